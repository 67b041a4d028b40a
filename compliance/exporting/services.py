"""Asking for an export, building it, and removing it when it expires.

`request_export` validates and writes the request and its audit event in one transaction, and
queues `build_export` once it commits. `build_export` is safe to run twice (a worker killed
mid-task runs it again: background.worker): a finished export is left alone, and the file is
always written under the export's one name, replacing what an interrupted run left there. A
failing build is retried with backoff (4 attempts, 1 min doubling); after the last the export
is marked failed with the error. A refusal (the requester no longer reaches the data) fails it
at once.
"""

import logging
import tempfile
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from background.retry import retrying_task
from compliance.exporting.models import ExportRequest, ExportStatus, export_path
from compliance.exporting.registry import ExportKind, kind_of
from lms.audit import Action, record_event
from lms.errors import DomainError
from lms.scoping import oversight_agency_id, require_person

logger = logging.getLogger(__name__)

ATTEMPTS = 4
BACKOFF = timedelta(minutes=1)
DEFAULT_DAYS = 7
MAX_ERROR = 1000
NO_ACCESS = "The requester no longer has access to this agency's records."


def kept_for() -> timedelta:
    """How long an export is kept: COMPLIANCE_EXPORT_DAYS (7)."""
    return timedelta(days=int(getattr(settings, "COMPLIANCE_EXPORT_DAYS", DEFAULT_DAYS)))


def request_export(*, user, kind: str, data) -> ExportRequest:
    """Ask for an export of `kind` with the requester's raw `data` (a form's fields). Refused
    (DomainError, or PermissionDenied for a kind the user may not take) before anything is
    written; otherwise the request and its audit event are written, and its build queued
    once they commit."""
    requester = require_person(user)
    if oversight_agency_id(user) is None:
        raise PermissionDenied("Only command staff can see agency records.")
    export_kind = kind_of(kind)
    cleaned = export_kind.clean(user=user, data=data)
    with transaction.atomic():
        export = ExportRequest.objects.create(
            requested_by=user,
            agency_id=requester.agency_id,
            person=cleaned.person,
            kind=export_kind.code,
            parameters=cleaned.parameters,
            expires_at=timezone.now() + kept_for(),
        )
        fields = export_kind.audit_fields or tuple(cleaned.parameters)
        record_event(
            action=Action.REPORT_EXPORTED,
            actor=user,
            obj=cleaned.subject or cleaned.person or export,
            agency_id=requester.agency_id,
            person_id=cleaned.person.pk if cleaned.person else None,
            data={
                "format": export_kind.audit_format,
                **{name: cleaned.parameters[name] for name in fields},
                "export": export.pk,
            },
        )
        transaction.on_commit(partial(build_export.enqueue, export_id=export.pk))
    return export


def _claim(export_id: int) -> ExportRequest | None:
    """The export, marked running; None when there is nothing to do (built, failed, pruned)."""
    with transaction.atomic():
        export = ExportRequest.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status in (ExportStatus.READY, ExportStatus.FAILED):
            return None
        export.status = ExportStatus.RUNNING
        export.started_at = timezone.now()
        export.save(update_fields=["status", "started_at"])
    return export


def _record(export_id: int, **fields) -> None:
    """Write where the export has got to, unless it is ready already (a rerun changes nothing
    then) or was pruned meanwhile. No signal is needed: *My exports* is never cached."""
    ExportRequest.objects.filter(pk=export_id).exclude(status=ExportStatus.READY).update(**fields)


def _finish(export: ExportRequest, status: str, **fields) -> None:
    """Record the outcome."""
    now = timezone.now()
    if status == ExportStatus.READY:
        fields["expires_at"] = now + kept_for()
    _record(export.pk, status=status, finished_at=now, **fields)


def _write_file(export: ExportRequest, export_kind: ExportKind, viewer) -> tuple[str, int]:
    """Write the export's content to a temporary file, then into the exports storage under
    the export's one name (replacing a file an interrupted run left); (name, size)."""
    storage = export.file.storage
    filename = export_kind.filename(export)
    name = export_path(export, filename)
    with tempfile.TemporaryFile() as spool:
        for chunk in export_kind.write(export=export, viewer=viewer):
            spool.write(chunk.encode() if isinstance(chunk, str) else chunk)
        size = spool.tell()
        spool.seek(0)
        if storage.exists(name):
            storage.delete(name)
        saved = storage.save(name, File(spool, name=filename))
    return saved, size


def _build(export_id: int) -> str:
    export = _claim(export_id)
    if export is None:
        return "nothing to do"
    user = export.requested_by
    if user is None or oversight_agency_id(user) != export.agency_id:
        _finish(export, ExportStatus.FAILED, error=NO_ACCESS)
        return "refused"
    export_kind = kind_of(export.kind)
    try:
        name, size = _write_file(export, export_kind, user)
    except DomainError as refusal:
        _finish(export, ExportStatus.FAILED, error=refusal.message)
        return "refused"
    except Exception as error:
        # Back in the queue, with what went wrong; the retry (or the last failure) follows.
        _record(export.pk, status=ExportStatus.QUEUED, error=_reason(error))
        raise
    _finish(
        export,
        ExportStatus.READY,
        file=name,
        size=size,
        filename=export_kind.filename(export),
        content_type=export_kind.content_type,
        error="",
    )
    return "ready"


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:MAX_ERROR]


def _gave_up(error: Exception, export_id: int) -> None:
    _record(
        export_id,
        status=ExportStatus.FAILED,
        finished_at=timezone.now(),
        error=f"Failed after {ATTEMPTS} attempts. {_reason(error)}"[:MAX_ERROR],
    )


@retrying_task(attempts=ATTEMPTS, backoff=BACKOFF, on_last_failure=_gave_up)
def build_export(export_id: int) -> str:
    """Build the export's file (see the module docstring): "ready", "refused" (failed at
    once), or "nothing to do" (already built or failed, or pruned)."""
    return _build(export_id)


def prune_exports(*, now=None) -> int:
    """Remove expired exports, file and row; returns how many. A file already gone is no
    error; a row whose file cannot be deleted is kept for the next run."""
    pruned = 0
    for export in ExportRequest.objects.expired(now).only("pk", "file").iterator():
        if export.file:
            try:
                export.file.storage.delete(export.file.name)
            except OSError:
                logger.exception("Could not delete the export file %s", export.file.name)
                continue
        export.delete()
        pruned += 1
    return pruned
