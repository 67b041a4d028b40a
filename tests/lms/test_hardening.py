"""Deployment checks, Content-Security-Policy, CSRF on every form, the 500 page, upload limits."""

import io
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from wagtail.documents.models import Document
from wagtail.images.models import Image as WagtailImage
from wagtail.models import Collection

from lms import roles
from lms.models import Person
from tests.factories import PersonFactory

REPO = Path(django_settings.BASE_DIR)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)


def run_with_production_settings(arguments: list[str], **env) -> subprocess.CompletedProcess:
    """Python with `arguments`, in the repository, under the production settings and this
    process's environment without its Django variables (the browser suite sets
    DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly warns about), plus a throwaway
    credential-signing key (production refuses to start without one), plus `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DEBUG"}
    key = django_settings.CREDENTIALS_SIGNING_KEY  # settings/test.py's throwaway key
    return subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, *arguments],
        cwd=REPO,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "lms.settings.production",
            "CREDENTIALS_SIGNING_KEY": key,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = run_with_production_settings(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="training.example.gov",
        DATABASE_URL="postgres://commonground@127.0.0.1:5432/commonground",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_does_not_start_without_a_credential_signing_key():
    result = run_with_production_settings(
        ["manage.py", "check", "--deploy"],
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL="postgres://commonground@127.0.0.1:5432/commonground",
        CREDENTIALS_SIGNING_KEY="",
    )

    assert result.returncode != 0
    assert "No key to sign credentials with: set CREDENTIALS_SIGNING_KEY_FILE" in result.stderr


def test_production_turns_on_staff_mfa_and_never_debug():
    code = (
        "from django.conf import settings; "
        "print(settings.DEBUG, settings.REQUIRE_MFA_FOR_STAFF, settings.SESSION_COOKIE_SECURE, "
        "settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, "
        "settings.SESSION_COOKIE_SAMESITE, settings.SECURE_HSTS_SECONDS)"
    )
    result = run_with_production_settings(
        ["-c", f"import django; django.setup(); {code}"],
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL="postgres://commonground@127.0.0.1:5432/commonground",
        DEBUG="true",
    )

    assert result.stdout.split() == ["False", "True", "True", "True", "True", "Lax", "31536000"]


# Content-Security-Policy


def test_learner_and_oversight_pages_allow_no_inline_script(
    client, learner, command_a, certificate, curriculum
):
    pages = [
        (None, "/accounts/login/"),
        (None, f"/verify/{certificate.code}/"),
        (learner.user, "/training/"),
        (learner.user, curriculum.lessons[0].url),
        (learner.user, "/training/certificates/"),
        (command_a.user, "/oversight/"),
        (command_a.user, f"/oversight/people/{learner.pk}/"),
        (command_a.user, "/oversight/audit/"),
    ]
    for user, url in pages:
        client.logout()
        if user:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", policy).group(1)
        assert script_src == "'self'", url
        assert "'unsafe-inline'" not in policy, url
        assert "frame-ancestors 'none'" in policy, url
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not re.search(r"\son[a-z]+=", html), url  # no inline event handlers
        assert " style=" not in html, url  # inline styles are blocked too


def test_transcript_loads_its_print_script_from_our_origin(client, command_a, learner):
    client.force_login(command_a.user)

    html = client.get(f"/oversight/people/{learner.pk}/").content.decode()

    assert re.search(r'<script src="/static/js/print\.js" defer></script>', html)


def test_admin_gets_its_own_relaxed_policy(client, trainer):
    client.force_login(trainer)

    response = client.get("/admin/")

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "object-src 'none'" in policy


def test_api_responses_carry_the_policy(anon_api, certificate):
    response = anon_api.get(f"/api/v1/certificates/{certificate.code}/")

    assert "default-src 'self'" in response["Content-Security-Policy"]


# CSRF

TEMPLATE_DIRS = [REPO / app / "templates" for app in ("lms", "courses", "assessments", "oversight")]
POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)


def test_every_post_form_in_our_templates_carries_a_csrf_token():
    templates = [p for d in TEMPLATE_DIRS for p in d.rglob("*.html")]
    forms = [
        (path, form)
        for path in templates
        for form in POST_FORM.findall(path.read_text())
        if "{% include" not in form
    ]

    assert len(forms) >= 10  # the scan finds the forms it is meant to check
    missing = [
        str(path.relative_to(REPO)) for path, form in forms if "{% csrf_token %}" not in form
    ]
    assert missing == []


def test_a_post_without_the_csrf_token_is_refused(learner, curriculum):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(learner.user)

    response = client.post(f"/training/lessons/{curriculum.lessons[0].pk}/complete/")

    assert response.status_code == 403


# The 500 page


@pytest.fixture
def broken_site(client, settings):
    settings.ROOT_URLCONF = "tests.lms.error_urls"
    client.raise_request_exception = False
    return client


def test_an_error_shows_our_500_page_without_any_traceback(broken_site):
    response = broken_site.get("/broken/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    for leak in ("Traceback", "RuntimeError", "secret_column", "SELECT", "error_urls.py"):
        assert leak not in html


def test_an_api_error_answers_json_without_any_traceback(broken_site):
    response = broken_site.get("/api/v1/broken/")

    assert response.status_code == 500
    assert response.json() == {"detail": "A server error occurred."}


# Uploads


@pytest.fixture
def agency_admin(agency_a, role_groups):
    person = PersonFactory(agency=agency_a)
    person.user.groups.add(role_groups[roles.AGENCY_ADMIN])
    return person


def test_roster_upload_refuses_a_file_over_5_mb_with_a_clear_message(client, agency_admin):
    client.force_login(agency_admin.user)
    header = b"badge_number,first_name,last_name,email,unit,rank,personnel_category\n"
    big = SimpleUploadedFile("roster.csv", header + b"x" * (5 * 1024 * 1024), "text/csv")

    response = client.post("/oversight/roster/", {"file": big})

    assert response.status_code == 200
    assert "The file is larger than 5 MB" in response.content.decode()
    assert Person.objects.filter(agency=agency_admin.agency).count() == 1


def test_roster_upload_refuses_a_file_that_is_not_csv(client, agency_admin):
    client.force_login(agency_admin.user)
    exe = SimpleUploadedFile("roster.exe", b"MZ\x90\x00", "application/octet-stream")

    response = client.post("/oversight/roster/", {"file": exe})

    assert "Choose a .csv file." in response.content.decode()


@pytest.fixture
def editor(agency_a):
    """An administrator: Wagtail's upload forms are the subject here, not collection rights."""
    return PersonFactory(agency=agency_a, user__is_superuser=True).user


def test_admin_refuses_a_document_of_a_type_not_allowed(client, editor):
    client.force_login(editor)
    exe = SimpleUploadedFile("setup.exe", b"MZ\x90\x00", "application/octet-stream")

    response = client.post(
        "/admin/documents/add/",
        {"title": "Setup", "file": exe, "collection": Collection.get_first_root_node().pk},
    )

    assert not Document.objects.filter(title="Setup").exists()
    html = response.content.decode()
    assert "File extension" in html and "is not allowed" in html


def _png(size: int) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (size, size), secrets.token_bytes(size * size * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def test_admin_refuses_an_image_over_the_size_limit(client, editor, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10_000
    client.force_login(editor)
    big = SimpleUploadedFile("photo.png", _png(100), "image/png")

    response = client.post(
        "/admin/images/add/",
        {"title": "Photo", "file": big, "collection": Collection.get_first_root_node().pk},
    )

    assert not WagtailImage.objects.filter(title="Photo").exists()
    assert "This file is too big" in response.content.decode()


def test_admin_refuses_svg_images(client, editor):
    client.force_login(editor)
    svg = SimpleUploadedFile(
        "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )

    response = client.post(
        "/admin/images/add/",
        {"title": "Logo", "file": svg, "collection": Collection.get_first_root_node().pk},
    )

    assert not WagtailImage.objects.filter(title="Logo").exists()
    assert "Not a supported image format" in response.content.decode()
