"""Permission predicates and DRF permission classes shared by the oversight pages and API."""

from rest_framework.permissions import BasePermission

from lms.scoping import oversight_agency_id


def user_can_view_agency_records(user) -> bool:
    """Command staff, coordinators and agency admins with a profile in an agency."""
    return oversight_agency_id(user) is not None


def user_can_manage_assignments(user) -> bool:
    return user_can_view_agency_records(user) and user.has_perm("courses.add_assignment")


def user_can_revoke_certificates(user) -> bool:
    return user_can_view_agency_records(user) and user.has_perm("courses.revoke_certificate")


class CanViewAgencyRecords(BasePermission):
    message = "Only command staff can see agency records."

    def has_permission(self, request, view) -> bool:
        return user_can_view_agency_records(request.user)
