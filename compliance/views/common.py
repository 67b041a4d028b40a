"""What every compliance page shares: the role checks, the error flashing, evidence files."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

from compliance.models import TrainingEntry
from compliance.permissions import user_can_decide_entries, user_can_manage_compliance
from lms.permissions import user_can_view_agency_records
from lms.storage import private_file_response

PAGE_SIZE = 50
AT_RISK_LIST = 10


def require_oversight(user) -> None:
    if not user_can_view_agency_records(user):
        raise PermissionDenied("Only command staff can see agency records.")


def require_decider(user) -> None:
    if not user_can_decide_entries(user):
        raise PermissionDenied("Only training coordinators can decide training records.")


def require_manager(user) -> None:
    if not user_can_manage_compliance(user):
        raise PermissionDenied("Only training coordinators can change compliance records.")


def flash_errors(request, errors: dict) -> None:
    for field, problems in errors.items():
        label = "" if field in ("non_field_errors", "__all__") else f"{field}: "
        messages.error(request, f"{label}{problems[0]}")


def evidence_response(entry: TrainingEntry) -> HttpResponse:
    """After the caller's check: the file, or a redirect to its signed address in the bucket."""
    return private_file_response(
        entry.evidence,
        content_type=entry.evidence_type,
        filename=entry.evidence_name or f"evidence-{entry.pk}",
    )
