"""An export asked for, and the file a task built for it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from compliance.exporting.registry import ExportKind, kinds
from lms.models import Agency, Person
from lms.scoping import oversees_whole_agency, scope_by_agency
from lms.storage import AliasStorage

STORAGE_ALIAS = "exports"  # settings.STORAGES: outside MEDIA_ROOT, never served as media


_exports_storage = AliasStorage(STORAGE_ALIAS)


def exports_storage() -> AliasStorage:
    """The storage export files live in: the STORAGES alias "exports" (lms/storage.py: a
    private directory, or private/exports/ in the bucket), looked up at each use."""
    return _exports_storage


def export_path(export: "ExportRequest", filename: str) -> str:
    """One name per export, the same on every run of its task (a rerun replaces the file)."""
    return f"{export.created_at:%Y/%m}/{export.token.hex}/{filename}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ExportRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ExportRequestQuerySet":
        """Exports the user may download: their own, in the agency they oversee; a
        coordinator who oversees the whole agency also every export of that agency. Never
        another agency's (lms.scoping)."""
        scoped = scope_by_agency(self, user, "agency_id")
        if user.has_perm("compliance.manage_compliance") and oversees_whole_agency(user):
            return scoped
        return scoped.filter(requested_by=user)

    def expired(self, now=None) -> "ExportRequestQuerySet":
        return self.filter(expires_at__lt=now or timezone.now())


class ExportRequest(models.Model):
    """A large export one staff member asked for: what (`kind`, `parameters`), for which
    agency, and where its task has got to. The file, once ready, is kept until `expires_at`
    (COMPLIANCE_EXPORT_DAYS after it was built), then `prune_exports` removes file and row."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The officer an export is about (the evidence package), if any.",
    )
    kind = models.CharField(max_length=40)
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    error = models.TextField(blank=True)
    token = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    file = models.FileField(storage=exports_storage, upload_to=export_path, max_length=300)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=80, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    objects = ExportRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "created_at"], name="export_requester")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values), name="export_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status=ExportStatus.READY) | ~Q(file=""), name="export_ready_has_file"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} export #{self.pk} ({self.status})"

    @property
    def kind_info(self) -> ExportKind | None:
        return kinds().get(self.kind)

    @property
    def description(self) -> str:
        """What was asked for, in a few words (the kind's `describe`)."""
        kind = self.kind_info
        return f"{kind.label}: {kind.describe(self)}" if kind else self.kind

    @property
    def badge(self) -> str:
        """The site stylesheet's badge for the status."""
        return {ExportStatus.READY: "done", ExportStatus.FAILED: "revoked"}.get(
            self.status, "pending"
        )

    @property
    def is_ready(self) -> bool:
        return self.status == ExportStatus.READY and self.expires_at > timezone.now()
