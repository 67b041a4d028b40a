"""An officer's whole journey through the seeded demo, through the API only."""

from io import StringIO
from urllib.parse import urlparse

from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from wagtail.models import Page

from assessments.models import Choice, Question, Quiz
from courses.models import Assignment
from lms.models import Agency, Person, Unit
from tests.helpers import correct_answers

PASSWORD = "journey-password-for-tests"


def seeded_counts() -> dict[str, int]:
    models = [Page, get_user_model(), Person, Agency, Unit, Quiz, Question, Choice, Assignment]
    return {model.__name__: model.objects.count() for model in models}


def sign_in(username: str) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def test_officer_completes_the_seeded_curriculum_and_gets_a_verifiable_certificate(db):
    """Seed; then, as `officer`, read every lesson, pass all seven quizzes, verify."""
    call_command("seed_demo", password=PASSWORD, stdout=StringIO())
    counts = seeded_counts()

    officer = sign_in("officer")
    [curriculum] = officer.get("/api/v1/curricula/").json()
    assert len(curriculum["modules"]) == 7

    for module in curriculum["modules"]:
        for lesson in module["lessons"]:
            response = officer.post(f"/api/v1/lessons/{lesson['id']}/complete/")
            assert response.status_code == 201
        started = officer.post(f"/api/v1/quizzes/{module['quiz']['id']}/attempts/")
        assert started.status_code == 201
        attempt = started.json()
        assert len(attempt["questions"]) == 10
        answers = correct_answers(attempt["questions"])
        result = officer.post(
            f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": answers}, format="json"
        )
        assert result.status_code == 200
        assert result.json()["passed"] is True, module["title"]
        assert result.json()["score"] == 100

    [progress] = officer.get("/api/v1/me/progress/").json()["curricula"]
    assert progress["id"] == curriculum["id"]
    assert progress["percent_complete"] == 100
    assert progress["completed_at"] is not None
    assert all(m["quiz_passed"] and m["completed_at"] for m in progress["modules"])

    [certificate] = officer.get("/api/v1/me/certificates/").json()
    assert certificate["curriculum"] == curriculum["title"]

    public = APIClient().get(f"/api/v1/certificates/{certificate['code']}/")
    assert public.status_code == 200
    assert public.json()["status"] == "valid"
    assert public.json()["holder_name"] == "Dana Reyes"

    pdf = officer.get(urlparse(certificate["pdf_url"]).path)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")

    # Command staff of Riverside may download it; Lakeside's may not.
    assert sign_in("command").get(urlparse(certificate["pdf_url"]).path).status_code == 200
    assert sign_in("command2").get(urlparse(certificate["pdf_url"]).path).status_code == 404

    # Lakeside's officer has the same curriculum assigned, and none of Dana's progress.
    [other] = sign_in("officer2").get("/api/v1/me/progress/").json()["curricula"]
    assert other["percent_complete"] == 0
    assert Token.objects.count() == 4

    # Seeding again creates nothing and leaves the officer's record alone.
    call_command("seed_demo", password=PASSWORD, stdout=StringIO())
    assert seeded_counts() == counts
    assert officer.get("/api/v1/me/progress/").json()["curricula"][0]["percent_complete"] == 100
    assert len(officer.get("/api/v1/me/certificates/").json()) == 1
