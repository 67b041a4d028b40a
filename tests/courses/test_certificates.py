"""Certificates: status, codes, serials, the PDF, and the database invariants behind them."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.certificates.pdf import render_certificate_pdf
from courses.models import (
    Certificate,
    CertificateStatus,
    CurriculumCompletion,
    ModuleCompletion,
    new_verification_code,
)

CODE_PATTERN = re.compile(r"^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$")


def test_new_certificate_is_valid(certificate):
    assert certificate.status == CertificateStatus.VALID


def test_certificate_past_its_expiry_is_expired(certificate):
    certificate.expires_at = timezone.now() - timedelta(days=1)
    assert certificate.status == CertificateStatus.EXPIRED
    assert certificate.status_at(certificate.expires_at - timedelta(seconds=1)) == "valid"
    assert certificate.status_at(certificate.expires_at) == "expired"


def test_revoked_certificate_is_revoked_even_when_also_expired(certificate):
    certificate.expires_at = timezone.now() - timedelta(days=1)
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = "Issued in error."
    certificate.save()
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED


def test_revocation_without_a_reason_is_refused_by_the_database(certificate):
    certificate.revoked_at = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        certificate.save()


def test_certificate_must_expire_after_it_is_issued(certificate):
    certificate.expires_at = certificate.issued_at
    with pytest.raises(ValidationError):
        certificate.clean()


def test_verification_codes_are_grouped_unambiguous_and_random():
    codes = {new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(CODE_PATTERN.match(code) for code in codes)


def test_issued_certificate_has_a_code_and_a_readable_serial(certificate):
    assert CODE_PATTERN.match(certificate.code)
    assert certificate.serial == f"CG-{certificate.issued_at:%Y}-{certificate.pk:06d}"


def test_one_completion_per_person_and_curriculum_is_a_database_rule(certificate):
    with pytest.raises(IntegrityError), transaction.atomic():
        CurriculumCompletion.objects.create(
            person=certificate.person, curriculum=certificate.curriculum
        )


def test_one_module_completion_per_person_and_module_is_a_database_rule(learner, curriculum):
    module = curriculum.modules[0].page
    ModuleCompletion.objects.create(person=learner, module=module)
    with pytest.raises(IntegrityError), transaction.atomic():
        ModuleCompletion.objects.create(person=learner, module=module)


def test_one_certificate_per_completion_is_a_database_rule(certificate):
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            completion=certificate.completion,
            person=certificate.person,
            curriculum=certificate.curriculum,
            holder_name="Copy",
            curriculum_title="Copy",
            credit_hours=1,
        )


def test_certificate_keeps_what_it_said_when_the_holder_is_renamed(certificate):
    user = certificate.person.user
    user.first_name = "Renamed"
    user.save()
    certificate.refresh_from_db()
    assert certificate.holder_name == "Dana Reyes"


@pytest.mark.parametrize("expires", [False, True])
def test_certificate_pdf_is_a_one_page_pdf(certificate, expires):
    if expires:
        certificate.expires_at = certificate.issued_at + timedelta(days=365)
    data = render_certificate_pdf(certificate, verify_url="https://example.org/verify/X/")
    assert data.startswith(b"%PDF")
    assert data.rstrip().endswith(b"%%EOF")
    assert re.findall(rb"/Count (\d+)", data) == [b"1"]
    assert b"Dana Reyes" in data  # in the document title
