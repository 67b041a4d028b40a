"""Roles are Django groups with permissions. This module is their single definition."""

from django.contrib.auth.models import Group, Permission

LEARNER = "Learner"
TRAINER = "Trainer"
COORDINATOR = "Coordinator"
COMMAND_STAFF = "Command staff"
AGENCY_ADMIN = "Agency admin"

# Authors write drafts and submit them to the "Coordinator review" workflow
# (authoring.workflow); only coordinators publish. Page permissions (add / change /
# publish_page) are not model permissions: Wagtail grants them on a page and its subtree
# (seed_demo, on the home page).
_AUTHORING = [
    "wagtailadmin.access_admin",
    "assessments.add_quiz",
    "assessments.change_quiz",
    "assessments.view_quiz",
    "assessments.add_survey",
    "assessments.change_survey",
    "assessments.view_survey",
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
]

# Trainers and coordinators see how often each scenario choice was taken (aggregates only).
_AUTHORING_REPORTS = ["courses.view_scenario_report"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    LEARNER: [],
    TRAINER: [*_AUTHORING, *_AUTHORING_REPORTS],
    COORDINATOR: [
        *_AUTHORING,
        *_AUTHORING_REPORTS,
        "assessments.delete_quiz",
        "assessments.delete_survey",
        "assessments.publish_quiz",
        "assessments.lock_quiz",
        "assessments.unlock_quiz",
        "assessments.publish_survey",
        "assessments.lock_survey",
        "assessments.unlock_survey",
        "courses.add_assignment",
        "courses.change_assignment",
        "courses.view_assignment",
        "courses.revoke_certificate",
        "lms.view_agency_records",
        "compliance.decide_trainingentry",
        "compliance.manage_compliance",
        "compliance.add_ruleset",
        "compliance.change_ruleset",
        "compliance.view_ruleset",
        "community.manage_events",
        "community.moderate_comments",
    ],
    COMMAND_STAFF: [
        "lms.view_agency_records",
        "community.manage_events",
        "community.export_results",
        "community.switch_public_page",
    ],
    AGENCY_ADMIN: [
        "lms.view_agency_records",
        "lms.manage_agency_people",
        "lms.add_person",
        "lms.change_person",
        "lms.view_person",
        "lms.add_unit",
        "lms.change_unit",
        "lms.view_unit",
    ],
}


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def ensure_roles() -> dict[str, Group]:
    """Create the role groups and give each exactly its permissions. Safe to run again."""
    groups = {}
    for name, permissions in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = {_permission(p) for p in permissions}
        if set(group.permissions.all()) != wanted:
            group.permissions.set(wanted)
        groups[name] = group
    return groups


# Roles that reach authoring, oversight or the report API: with settings.REQUIRE_MFA_FOR_STAFF
# they verify a one-time code after signing in (lms/mfa.py). Learners are never forced.
STAFF_ROLES = (TRAINER, COORDINATOR, COMMAND_STAFF, AGENCY_ADMIN)


def user_has_staff_role(user) -> bool:
    return bool(
        user.is_authenticated
        and (
            user.is_superuser or user.is_staff or user.groups.filter(name__in=STAFF_ROLES).exists()
        )
    )
