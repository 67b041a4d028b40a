from decimal import Decimal

from django import template

from compliance.cycles import Status

register = template.Library()

# The site's existing badge colours: done, in progress, warning, overdue.
BADGES = {
    Status.COMPLIANT: "completed",
    Status.ON_TRACK: "in_progress",
    Status.AT_RISK: "expired",
    Status.DEFICIENT: "overdue",
    "approved": "completed",
    "pending": "in_progress",
    "rejected": "overdue",
}


@register.filter
def status_badge(status: str) -> str:
    return BADGES.get(status, "not_started")


@register.filter
def status_label(status: str) -> str:
    return Status.LABELS.get(status, status.capitalize() if status else "")


@register.filter
def hours(value) -> str:
    """2.50 → "2.5", 24.00 → "24"."""
    if value is None:
        return "—"
    return f"{Decimal(value).normalize():f}"
