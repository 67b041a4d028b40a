"""The content review workflow: trainers submit, coordinators approve and publish.

Wagtail runs the workflow; this module only declares it. One workflow, "Coordinator review",
with a single group-approval task for the Coordinator group, governs every page below the
site's home page (a `WorkflowPage` on the home page applies to its whole subtree) and every
non-page model with drafts and workflow support (quizzes, surveys), through
`WorkflowContentType`. Trainers hold no publish permission, so submitting is their only
way to publish; while a submission waits, the task locks the content to everyone outside the
Coordinator group.
"""

from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import (
    GroupApprovalTask,
    Page,
    Workflow,
    WorkflowContentType,
    WorkflowMixin,
    WorkflowPage,
    WorkflowTask,
)

from lms import roles

WORKFLOW_NAME = "Coordinator review"
TASK_NAME = "Coordinator approval"


def reviewed_snippet_models() -> list[type]:
    """Models outside the page tree that can go through a workflow (Quiz, Survey, ...)."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, WorkflowMixin) and not issubclass(model, Page)
    ]


def _active(model, name: str):
    """The task or workflow of that name, created, or reactivated if an administrator
    disabled it."""
    found = model.objects.filter(name=name).first()
    if found is None:
        return model.objects.create(name=name)
    if not found.active:
        found.active = True
        found.save(update_fields=["active"])
    return found


@transaction.atomic
def ensure_review_workflow(home: Page) -> Workflow:
    """Create (or repair) the review workflow and assign it to `home` and to quizzes and
    surveys. Safe to run again: nothing is duplicated, and groups added to the task by an
    administrator are kept."""
    coordinators, _ = Group.objects.get_or_create(name=roles.COORDINATOR)

    task = _active(GroupApprovalTask, TASK_NAME)
    task.groups.add(coordinators)

    workflow = _active(Workflow, WORKFLOW_NAME)
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        next_order = WorkflowTask.objects.filter(workflow=workflow).count()
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=next_order)

    WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})
    for model in reviewed_snippet_models():
        WorkflowContentType.objects.update_or_create(
            content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
            defaults={"workflow": workflow},
        )
    return workflow
