"""Who may do what with the ledger. Reads are scoped in lms.scoping (`visible_to`); these are
the role checks on top (defence in two layers)."""

from rest_framework.permissions import BasePermission

from lms import mfa
from lms.permissions import user_can_view_agency_records

DECIDE = "compliance.decide_trainingentry"
MANAGE = "compliance.manage_compliance"


def user_can_decide_entries(user) -> bool:
    """Coordinators: approve or reject external training of the people they oversee."""
    return user_can_view_agency_records(user) and user.has_perm(DECIDE)


def user_can_manage_compliance(user) -> bool:
    """Coordinators: reverse entries, grant waivers and extensions, map modules, set dates."""
    return user_can_view_agency_records(user) and user.has_perm(MANAGE)


class CanDecideEntries(BasePermission):
    message = "Only training coordinators can decide training records."

    def has_permission(self, request, view) -> bool:
        if not user_can_decide_entries(request.user):
            return False
        mfa.staff_data_access(request)
        return True
