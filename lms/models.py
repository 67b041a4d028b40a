"""People and the agencies and units they belong to; the rows of the audit trail; server-side
sessions and how API tokens were issued."""

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from rest_framework.authtoken.models import Token


class PersonnelCategory(models.TextChoices):
    SWORN = "sworn", "Sworn officer"
    CIVILIAN = "civilian", "Civilian staff"
    LEADER = "leader", "Police leader"
    ELECTED = "elected", "Elected official"


class Agency(models.Model):
    """A department that licenses the platform. Nothing of one agency is visible to another."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    certificate_signatory_name = models.CharField(
        max_length=120,
        blank=True,
        help_text="Printed under the signature line of the agency's certificates, e.g. the chief.",
    )
    certificate_signatory_title = models.CharField(
        max_length=120, blank=True, help_text='Printed under the name, e.g. "Chief of Police".'
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A division, precinct or shift inside one agency."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="unit_unique_name_per_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PersonQuerySet":
        """People whose training records `user` may read (see lms.scoping)."""
        from lms.scoping import scope_people

        return scope_people(self, user)


class Person(models.Model):
    """The training profile of a user: who they are in their agency."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="people")
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="people"
    )
    badge_number = models.CharField(max_length=40, blank=True)
    rank = models.CharField(max_length=80, blank=True)
    personnel_category = models.CharField(
        max_length=20, choices=PersonnelCategory.choices, default=PersonnelCategory.SWORN
    )
    oversight_units = models.ManyToManyField(
        Unit,
        blank=True,
        related_name="overseers",
        help_text="For command staff: limit oversight to these units. Empty: the whole agency.",
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "badge_number"],
                condition=~Q(badge_number=""),
                name="person_unique_badge_per_agency",
            ),
        ]
        permissions = [
            ("view_agency_records", "Can view training records of own agency"),
            ("manage_agency_people", "Can manage people and rosters of own agency"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def clean(self) -> None:
        if self.unit_id and self.unit.agency_id != self.agency_id:
            raise ValidationError({"unit": "The unit belongs to another agency."})


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AuditEventQuerySet":
        """Oversight scope (lms.scoping.scope_events): the events of the viewer's agency, or,
        for a viewer limited to some units, those about their units and people and their own."""
        from lms.scoping import scope_events

        return scope_events(self, user, people=Person.objects.all())


class AuditEvent(models.Model):
    """One append-only entry of the audit trail, chained to the previous by its hash.

    An event is inserted *pending* (no `seq`, `prev_hash` or `hash`) without touching the
    chain head; the sequencer (`lms.audit.sequence_pending`) gives pending events their
    place in the chain in batches. Once sequenced, `hash` covers every field and the
    previous event's hash, so editing or deleting any row breaks the chain at that point
    (`manage.py verify_audit` names where, and names events left pending too long).
    """

    seq = models.PositiveBigIntegerField(
        unique=True, null=True, blank=True, editable=False, help_text="Empty while pending."
    )
    created_at = models.DateTimeField(editable=False)
    # Plain ids, not foreign keys: deleting a user or person must never rewrite the trail.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    agency_id = models.BigIntegerField(null=True, blank=True)
    person_id = models.BigIntegerField(
        null=True, blank=True, db_index=True, help_text="The person whose record this is."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, null=True, blank=True)
    hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        # Newest first: pending events (inserted last, no place yet) above the chain.
        ordering = [models.F("seq").desc(nulls_first=True), "-id"]
        indexes = [
            models.Index(fields=["agency_id", "-seq"], name="audit_agency_seq"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["id"], condition=models.Q(seq=None), name="audit_pending"),
        ]

    def __str__(self) -> str:
        place = f"#{self.seq}" if self.seq is not None else "pending"
        return f"{place} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")

    @property
    def pending(self) -> bool:
        """Recorded, not yet given its place in the chain (lms.audit.sequence_pending)."""
        return self.seq is None


class AuditChainHead(models.Model):
    """The chain's last sequenced event: a single row that only the sequencer locks
    (`lms.audit.sequence_pending`), so one batch at a time is chained after it."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class UserSession(AbstractBaseSession):
    """A server-side session (lms.sessions, Django's cache-backed database sessions) with the
    user it signs in, so that a password or role change can end all of a user's sessions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )

    @classmethod
    def get_session_store_class(cls):
        from lms.sessions import SessionStore

        return SessionStore

    class Meta:
        verbose_name = "session"


class TokenVerification(models.Model):
    """Whether an API token (DRF's, one per user) was issued with a verified one-time code.
    Staff data needs one when REQUIRE_MFA_FOR_STAFF is on (lms.mfa): a token without this row
    or with `mfa` False (issued to a learner, or before MFA was switched on) does not reach it.
    Written with its token, never changed, deleted with it."""

    token = models.OneToOneField(
        Token, primary_key=True, on_delete=models.CASCADE, related_name="verification"
    )
    mfa = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"token of user {self.token.user_id}: {'with' if self.mfa else 'without'} a code"
