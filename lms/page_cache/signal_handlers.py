"""What renews the page cache's versions (lms.page_cache): its receivers live here, beside the
cache, as wagtail.contrib.frontend_cache registers its own.

lms may not import the apps above it, so they declare from their AppConfig.ready which of
their models change what, with `watch(Model, scope=...)`:

* `Scope.CONTENT`: every cached page (what the pages are made of: assignments, quizzes,
  surveys);
* `Scope.PERSON`: the pages of the row's `person` and their agency's oversight pages
  (progress, completions, certificates, training records);
* `Scope.USER`: the same for the row's `user` (attempts, survey responses).

`register_signal_handlers()`, from LmsConfig.ready, watches what lms knows itself: every
Wagtail page model and the sites, the pages' view restrictions (lms.routing routes only pages
none covers), agencies, units, groups and their permissions, and people and accounts with
their groups, permissions and oversight units and their API tokens (`Scope.ACCOUNT`: also
what each worker keeps about the account, `remembered`; a token only when deleted, and only
its user's account); and it renews the content version after a migrate that applied anything
(data migrations write rows without signals).

Every renewal waits for the commit: a rolled-back write renews nothing, and no request can
store the old page under the new version before the write is visible. A save that only keeps a
draft's or a lock's bookkeeping (a new revision, a lock) renews nothing: no live row changed.

Writes that send no signal (QuerySet.update, bulk_create, bulk_update, raw SQL) call
`content_changed`, `user_changed` or `agency_changed` themselves; each is listed, with why the
cache stays right, in tests/lms/test_page_cache_invalidation.py, which fails on a new one.
"""

import enum
from typing import NamedTuple

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_save
from rest_framework.authtoken.models import Token
from wagtail.models import GroupPagePermission, Page, PageViewRestriction, Site
from wagtail.signals import (
    page_published,
    page_unpublished,
    post_page_move,
    published,
    unpublished,
)

from lms.auth_backends import load_user
from lms.models import Agency, Person, Unit
from lms.page_cache import agency_changed, content_changed, user_changed
from lms.scoping import viewer_person


class Scope(enum.Enum):
    """Whose cached pages a row is shown on."""

    CONTENT = "content"
    PERSON = "person"
    USER = "user"
    ACCOUNT = "account"


class Watch(NamedTuple):
    scope: Scope
    saves: bool


WATCHED: dict[type[models.Model], Watch] = {}

# What a save may write without changing a live row: a new draft revision, a lock.
BOOKKEEPING_FIELDS = frozenset(
    {
        "latest_revision",
        "latest_revision_created_at",
        "has_unpublished_changes",
        "draft_title",
        "wagtail_admin_comments",
        "locked",
        "locked_at",
        "locked_by",
    }
)
_AGENCY_BEFORE = "_page_cache_agency_before"


def watch(model: type[models.Model], *, scope: Scope, saves: bool = True) -> None:
    """Renew `scope`'s versions whenever a `model` row is deleted, and saved unless `saves` is
    False; for a many-to-many table, whenever rows are added or removed."""
    WATCHED[model] = Watch(scope, saves)
    uid = f"page_cache:{model._meta.label}"
    if model._meta.auto_created:
        m2m_changed.connect(_access_changed, sender=model, dispatch_uid=uid)
        return
    if saves:
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
    post_delete.connect(_deleted, sender=model, dispatch_uid=uid)


def register_signal_handlers() -> None:
    User = get_user_model()
    for model in apps.get_models():
        if issubclass(model, Page):  # its post_save names the page's own class
            watch(model, scope=Scope.CONTENT)
    content = (Site, Agency, Unit, Group, GroupPagePermission, Group.permissions.through)
    restrictions = (PageViewRestriction, PageViewRestriction.groups.through)  # lms.routing
    for model in (*content, *restrictions):
        watch(model, scope=Scope.CONTENT)
    # A token's issue time is kept under its user's account version (lms.auth_backends): a
    # deleted (revoked) token renews it. Created at an API sign-in: no renewal.
    watch(Token, scope=Scope.ACCOUNT, saves=False)
    for model in (
        Person,
        User,
        User.groups.through,
        User.user_permissions.through,
        Person.oversight_units.through,
    ):
        watch(model, scope=Scope.ACCOUNT)
    pre_save.connect(_remember_agency, sender=Person, dispatch_uid="page_cache:agency_before")
    for signal in (page_published, page_unpublished, post_page_move, published, unpublished):
        signal.connect(_published, dispatch_uid=f"page_cache:{id(signal)}")
    post_migrate.connect(
        _migrated, sender=apps.get_app_config("lms"), dispatch_uid="page_cache:migrated"
    )


def _saved(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and frozenset(update_fields) <= BOOKKEEPING_FIELDS:
        return
    _renew(WATCHED[sender].scope, instance)


def _deleted(sender, instance, **kwargs):
    _renew(WATCHED[sender].scope, instance)


def _published(sender, **kwargs):
    """Pages, quizzes and surveys published, unpublished or moved."""
    transaction.on_commit(content_changed)


def _migrated(sender, plan=None, **kwargs):
    if plan:
        content_changed()


def _remember_agency(sender, instance, update_fields=None, **kwargs):
    """A person moving to another agency leaves that agency's oversight pages too."""
    if instance.pk is not None and (update_fields is None or "agency" in update_fields):
        before = Person.objects.filter(pk=instance.pk).values_list("agency_id", flat=True)
        setattr(instance, _AGENCY_BEFORE, before.first())


def _access_changed(sender, instance, action, reverse, pk_set=None, **kwargs):
    """Groups, permissions and oversight units decide what a user may see. Changed from the
    other side (a group's members, a unit's overseers) or a group's own: every page."""
    if not action.startswith("post_") or pk_set == set():
        return
    if reverse or WATCHED[sender].scope is Scope.CONTENT:
        transaction.on_commit(content_changed)
    else:
        user_id = instance.user_id if isinstance(instance, Person) else instance.pk
        transaction.on_commit(lambda: user_changed(user_id, account=True))


def _renew(scope: Scope, instance) -> None:
    if scope is Scope.CONTENT:
        transaction.on_commit(content_changed)
        return
    user_id, agency_ids = _whose(scope, instance)

    def renew():
        user_changed(user_id, account=scope is Scope.ACCOUNT)
        for agency_id in agency_ids:
            agency_changed(agency_id)

    transaction.on_commit(renew)


def _whose(scope: Scope, instance) -> tuple[int | None, set[int]]:
    """The user whose own pages show `instance`, and the agencies whose oversight pages do."""
    if scope is Scope.PERSON:
        user_id, agency_id = _person_placement(instance.person_id)
        return user_id, {agency_id} - {None}
    if scope is Scope.USER:  # an attempt or a survey answer: the person from this worker's cache
        person = viewer_person(load_user(instance.user_id))
        return instance.user_id, {person.agency_id} if person else set()
    if isinstance(instance, Token):  # what this worker keeps about its user's account only
        return instance.user_id, set()
    if isinstance(instance, Person):
        before = instance.__dict__.pop(_AGENCY_BEFORE, None)
        return instance.user_id, {instance.agency_id, before} - {None}
    agency = Person.objects.filter(user_id=instance.pk).values_list("agency_id", flat=True)
    return instance.pk, {agency.first()} - {None}


def _person_placement(person_id: int | None) -> tuple[int | None, int | None]:
    """The person's user and agency, (None, None) if there is no such person: one indexed
    read, written out (progress writes ask it on every save)."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('user_id')}, {quote('agency_id')} "  # noqa: S608 (names are ours)
        f"FROM {quote(Person._meta.db_table)} WHERE {quote('id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id])
        return cursor.fetchone() or (None, None)
