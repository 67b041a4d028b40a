"""The training-hours ledger and what it is measured against.

* `RuleSet`: a jurisdiction's continuing-training mandate as data (from `rulesets/*.yaml`) or
  one an agency defines in the admin; `AgencyRuleSet`: the one an agency follows.
* `ModuleCategories`: which of the rule set's categories our modules count towards, per agency.
* `ComplianceProfile`: the officer's dates a cycle can hang on, and their state identifier.
* `TrainingEntry`: one training an officer completed. Internal entries post themselves when a
  module is completed; external ones start pending and a coordinator decides them. An
  approved entry is never edited: a reversing entry (negative hours) corrects it.
* `CycleAdjustment`: a waiver or an extension for one officer's cycle, with its reason.
* `ComplianceReminderLog`: a reminder sent, once per officer, cycle and threshold.
"""

import uuid
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from compliance.rules import Definition, parse_definition
from courses.models import ModuleCompletion, ModulePage
from lms.models import Agency, Person
from lms.scoping import scope_people
from lms.storage import AliasStorage

# Evidence files never sit under MEDIA_ROOT nor at a public address: the "evidence" storage
# (lms/storage.py: COMPLIANCE_EVIDENCE_ROOT, or private/evidence/ in the bucket), served only
# through a view that checks who asks (`compliance.views`).
_evidence_storage = AliasStorage("evidence")


def evidence_storage() -> AliasStorage:
    return _evidence_storage


def evidence_path(entry: "TrainingEntry", filename: str) -> str:
    """An unguessable name; the extension is the sniffed type's, never the uploader's."""
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        entry.evidence_type, "bin"
    )
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class RuleSetQuerySet(models.QuerySet):
    def available_to(self, agency_id: int | None) -> "RuleSetQuerySet":
        """The state rule sets and the agency's own."""
        return self.filter(Q(agency__isnull=True) | Q(agency_id=agency_id))


class RuleSet(models.Model):
    """A continuing-training mandate. State rule sets are loaded from their files
    (`load_rulesets`) and not edited here; an agency's own is edited in the admin. Either way
    `definition` passed `compliance.rules.parse_definition` when it was saved by a service or
    the admin form."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=100, blank=True)
    authority = models.CharField(max_length=200, blank=True)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_rule_sets",
        help_text="Empty for a state rule set; the agency for one it defines itself.",
    )
    definition = models.JSONField(default=dict)
    sources = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    source_file = models.CharField(max_length=100, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        ordering = ["agency_id", "name"]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def rules(self) -> Definition:
        return parse_definition(self.definition)

    @property
    def is_state(self) -> bool:
        return self.agency_id is None


class AgencyRuleSet(models.Model):
    """The rule set an agency follows (one per agency)."""

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, primary_key=True, related_name="compliance"
    )
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="agencies")
    chosen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.agency}: {self.rule_set}"


class ModuleCategories(models.Model):
    """Which categories of a rule set one of our modules counts towards, in one agency
    (overriding the rule set file's `module_categories`). Edited by coordinators."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="+")
    module = models.ForeignKey(ModulePage, on_delete=models.CASCADE, related_name="+")
    categories = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "module categories"
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "rule_set", "module"], name="module_categories_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module} → {', '.join(self.categories) or 'no category'}"


class ComplianceProfile(models.Model):
    """An officer's dates for the rule sets that need them, and their state identifier."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, primary_key=True, related_name="compliance_profile"
    )
    state_id = models.CharField("state certification or licence number", max_length=60, blank=True)
    certified_on = models.DateField(null=True, blank=True)
    licence_expires_on = models.DateField(null=True, blank=True)
    hired_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"compliance profile of {self.person}"


class EntrySource(models.TextChoices):
    INTERNAL = "internal", "Internal"
    EXTERNAL = "external", "External"


class EntryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class TrainingEntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TrainingEntryQuerySet":
        """Entries of the people the viewer oversees (lms.scoping)."""
        return scope_people(self, user, prefix="person__")


class TrainingEntry(models.Model):
    """One line of the ledger. Decided once; an approved entry is never edited (`save`
    refuses), only corrected by a reversing entry whose hours are the negative of its own."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="training_entries")
    source = models.CharField(max_length=10, choices=EntrySource.choices)
    status = models.CharField(max_length=10, choices=EntryStatus.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    provider = models.CharField(max_length=200, blank=True)
    course_number = models.CharField(max_length=60, blank=True)
    started_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField()
    hours = models.DecimalField(max_digits=6, decimal_places=2)
    categories = models.JSONField(
        default=list, blank=True, help_text="Category codes (internal: from the module mapping)."
    )
    module = models.ForeignKey(
        ModulePage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    module_completion = models.OneToOneField(
        ModuleCompletion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="training_entry",
    )
    evidence = models.FileField(
        storage=evidence_storage, upload_to=evidence_path, blank=True, max_length=200
    )
    evidence_type = models.CharField(max_length=40, blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    evidence_size = models.PositiveIntegerField(default=0)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    objects = TrainingEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_on", "-pk"]
        verbose_name_plural = "training entries"
        indexes = [
            models.Index(fields=["person", "completed_on"], name="entry_person_day"),
            models.Index(fields=["status", "created_at"], name="entry_status_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True, hours__gt=0) & Q(hours__lte=1000))
                | (Q(reverses__isnull=False, hours__lt=0) & Q(hours__gte=-1000)),
                name="entry_hours_positive_unless_reversal",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EntryStatus.values), name="entry_status_known"
            ),
            models.CheckConstraint(
                condition=Q(source="external") | Q(module__isnull=False),
                name="entry_internal_has_module",
            ),
        ]
        permissions = [
            ("decide_trainingentry", "Can approve or reject external training of own agency"),
            (
                "manage_compliance",
                "Can reverse entries, grant waivers and extensions, map modules",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.hours} h, {self.completed_on})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            stored = TrainingEntry.objects.filter(pk=self.pk).values_list("status", flat=True)
            if stored.first() == EntryStatus.APPROVED:
                raise ValueError("An approved entry is never edited: reverse it instead.")
        super().save(*args, **kwargs)


class AdjustmentKind(models.TextChoices):
    WAIVER = "waiver", "Waiver"
    EXTENSION = "extension", "Extension"


class CycleAdjustmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CycleAdjustmentQuerySet":
        return scope_people(self, user, prefix="person__")


class CycleAdjustment(models.Model):
    """A waiver of hours (one category's, or the total's; no hours: the whole requirement) or
    an extension of the deadline, for one officer's cycle, granted with a reason. Written
    once."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+")
    cycle_start = models.DateField()
    cycle_end = models.DateField()
    kind = models.CharField(max_length=10, choices=AdjustmentKind.choices)
    category = models.CharField(max_length=40, blank=True)
    hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    deadline = models.DateField(null=True, blank=True)
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    objects = CycleAdjustmentQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="waiver", deadline__isnull=True)
                | Q(kind="extension", deadline__isnull=False, hours__isnull=True),
                name="adjustment_kind_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.person} ({self.cycle_start}–{self.cycle_end})"


class ComplianceReminderLog(models.Model):
    """A compliance reminder emailed: once per officer, rule set, cycle and threshold."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="+")
    cycle_end = models.DateField()
    days = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "rule_set", "cycle_end", "days"], name="compliance_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.days}-day reminder to {self.person} for {self.cycle_end}"


from compliance.exporting.models import ExportRequest  # noqa: E402, F401  (registers the model)
