"""Module completions post themselves to the ledger.

`courses` sits below `compliance` and may not call it, so compliance subscribes: a new
`ModuleCompletion` (saved by `courses.progress.services.module_complete`) posts its internal
entry through `services.internal_entry_post`, in the same transaction, so the completion and
its hours are committed together or not at all. Completions inserted without signals
(`import_records`' bulk inserts) are posted by `manage.py compliance_sync` afterwards.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from compliance import services
from courses.models import ModuleCompletion


@receiver(post_save, sender=ModuleCompletion, dispatch_uid="compliance_post_module_completion")
def post_module_completion(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        services.internal_entry_post(completion=instance)
