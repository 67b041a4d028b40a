"""Permission predicates and DRF permission classes shared by the oversight pages and API."""

from rest_framework.permissions import BasePermission

from lms import mfa
from lms.scoping import oversight_agency_id


def user_can_view_agency_records(user) -> bool:
    """Command staff, coordinators and agency admins with a profile in an agency."""
    return oversight_agency_id(user) is not None


def user_can_manage_assignments(user) -> bool:
    return user_can_view_agency_records(user) and user.has_perm("courses.add_assignment")


def user_can_revoke_certificates(user) -> bool:
    return user_can_view_agency_records(user) and user.has_perm("courses.revoke_certificate")


class CanViewAgencyRecords(BasePermission):
    """Staff data: command staff, and with MFA required of them a verified code (a token
    issued without one is refused: lms.mfa.staff_data_access, which audits token reads)."""

    message = "Only command staff can see agency records."

    def has_permission(self, request, view) -> bool:
        if not user_can_view_agency_records(request.user):
            return False
        mfa.staff_data_access(request)
        return True
