"""What keeps the report's tallies (courses.progress.tally) with writes the progress rules do
not make: people, accounts, units and assignments change from many places (admin, roster,
factories, assignment pages), and submitted attempts from the quiz engine, which knows
nothing of reports. Each receiver runs in the writer's transaction."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from assessments.models import Attempt
from courses.models import Assignment, CurriculumPage
from courses.progress import tally
from lms.models import Person, Unit
from lms.signals import people_changed

PLACEMENT = ("agency_id", "unit_id", "personnel_category")


def _placement(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {
        "agency_id": values["agency_id"],
        "unit_id": values["unit_id"],
        "category": values["personnel_category"],
    }


@receiver(pre_save, sender=Person, dispatch_uid="tally_person_before")
def _person_before(sender, instance, raw=False, **kwargs):
    instance._tally_before = (
        _placement(Person.objects.filter(pk=instance.pk).values(*PLACEMENT).first())
        if instance.pk and not raw
        else None
    )


@receiver(post_save, sender=Person, dispatch_uid="tally_person_saved")
def _person_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    before = getattr(instance, "_tally_before", None)
    after = _placement({f: getattr(instance, f) for f in PLACEMENT})
    if created or before != after:
        tally.person_moved(user_id=instance.user_id, before=before, after=after)
        tally.refresh_people([instance.pk])


@receiver(pre_delete, sender=Person, dispatch_uid="tally_person_deleted")
def _person_deleted(sender, instance, **kwargs):
    """Uncount the person before their standings go with them."""
    before = _placement({f: getattr(instance, f) for f in PLACEMENT})
    tally.person_moved(user_id=instance.user_id, before=before, after=None)
    tally.forget_person(instance.pk)


@receiver(people_changed, dispatch_uid="tally_people_changed")
def _people_changed(sender, person_ids, before, **kwargs):
    placements = {
        p["pk"]: (p["user_id"], _placement(p))
        for p in Person.objects.filter(pk__in=list(before)).values("pk", "user_id", *PLACEMENT)
    }
    for pk, (user_id, after) in placements.items():
        tally.person_moved(user_id=user_id, before=before[pk], after=after)
    tally.refresh_people(person_ids)


@receiver(post_save, sender=get_user_model(), dispatch_uid="tally_user_renamed")
def _user_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    """A renamed person sorts elsewhere in the report's list."""
    if raw or created or (update_fields and not {"first_name", "last_name"} & set(update_fields)):
        return
    person = Person.objects.filter(user_id=instance.pk).values_list("pk", flat=True).first()
    if person is not None:
        tally.refresh_people([person])


@receiver(pre_delete, sender=Unit, dispatch_uid="tally_unit_before_delete")
def _unit_deleting(sender, instance, **kwargs):
    instance._tally_people = list(
        Person.objects.filter(unit=instance).values("pk", "user_id", *PLACEMENT)
    )


@receiver(post_delete, sender=Unit, dispatch_uid="tally_unit_deleted")
def _unit_deleted(sender, instance, **kwargs):
    """Its people were left without a unit by an UPDATE that sends no signal."""
    people = getattr(instance, "_tally_people", [])
    for p in people:
        after = {**_placement(p), "unit_id": None}
        tally.person_moved(user_id=p["user_id"], before=_placement(p), after=after)
    tally.refresh_people([p["pk"] for p in people])


@receiver(post_save, sender=Assignment, dispatch_uid="tally_assignment_saved")
@receiver(post_delete, sender=Assignment, dispatch_uid="tally_assignment_deleted")
def _assignment_changed(sender, instance, raw=False, **kwargs):
    """Who is assigned, and their due dates, follow the assignments."""
    if raw:
        return
    curriculum = CurriculumPage.objects.filter(pk=instance.curriculum_id).first()
    if curriculum is not None:
        tally.refresh(curriculum=curriculum, person_ids=tally.assignment_reach(instance))


@receiver(post_save, sender=Attempt, dispatch_uid="tally_attempt_submitted")
def _attempt_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    """An attempt is submitted once (the engine's submit, or closed when its time ran out)."""
    if raw or instance.submitted_at is None:
        return
    if created or (update_fields and "submitted_at" in update_fields):
        tally.attempt_scored(instance)
