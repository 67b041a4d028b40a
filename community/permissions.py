"""Who may do what with community events: predicates over lms.scoping's agency boundary."""

from lms.scoping import oversight_agency_id


def _staff_with(user, permission: str) -> bool:
    return oversight_agency_id(user) is not None and user.has_perm(permission)


def user_can_manage_events(user) -> bool:
    """Coordinators and command staff of an agency: create, edit and run its events."""
    return _staff_with(user, "community.manage_events")


def user_can_moderate_comments(user) -> bool:
    """Coordinators: read participants' comments and decide which are published."""
    return _staff_with(user, "community.moderate_comments")


def user_can_export_results(user) -> bool:
    """Command staff: the results as CSV."""
    return _staff_with(user, "community.export_results")


def user_can_switch_public_page(user) -> bool:
    """Command staff: the agency's public page on or off."""
    return _staff_with(user, "community.switch_public_page")
