"""Compliance fixtures: the rule sets loaded from their files, agency A on Minnesota's, an
officer of A with a licence period under way, coordinators of A and B, evidence files."""

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance import services
from compliance.models import ComplianceProfile, RuleSet
from lms import roles
from tests.factories import PersonFactory

PDF = b"%PDF-1.4\n%test evidence\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    root = tmp_path / "evidence"
    settings.COMPLIANCE_EVIDENCE_ROOT = str(root)
    return root


@pytest.fixture
def rule_sets(db) -> dict[str, RuleSet]:
    services.rule_sets_load()
    return {r.code: r for r in RuleSet.objects.all()}


@pytest.fixture
def on_rule_set(agency_a, rule_sets):
    """Put agency A on a rule set by its code."""

    def choose(code: str, agency=None):
        services.agency_rule_set_choose(agency=agency or agency_a, rule_set=rule_sets[code])
        return rule_sets[code]

    return choose


@pytest.fixture
def minnesota(on_rule_set):
    return on_rule_set("mn-post")


@pytest.fixture
def officer(learner, minnesota):
    """The learner of agency A, licensed until a year and a half from now (Minnesota)."""
    ComplianceProfile.objects.create(
        person=learner,
        state_id="MN-12345",
        licence_expires_on=timezone.localdate() + timedelta(days=540),
    )
    return learner


@pytest.fixture
def coordinator_b(agency_b, role_groups):
    person = PersonFactory(agency=agency_b, rank="Lieutenant")
    person.user.groups.add(role_groups[roles.COORDINATOR])
    return person.user


@pytest.fixture
def entry_data():
    return {
        "title": "Crisis intervention team course",
        "provider": "Regional academy",
        "completed_on": (timezone.localdate() - timedelta(days=10)).isoformat(),
        "hours": "6",
        "categories": ["crisis_intervention"],
        "course_number": "CIT-101",
    }
