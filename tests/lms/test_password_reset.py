"""Password reset on the site (/accounts/password/reset/): one flow for learners and staff,
limited per account and per address in the shared cache, audited, and saying the same thing
whether or not the account exists. Wagtail's own admin reset is off."""

import re
import time

import pytest
from django.core import mail
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from rest_framework.throttling import SimpleRateThrottle

from lms.audit import Action
from lms.models import AuditEvent
from tests.factories import PASSWORD
from tests.tasks import run_on_commit, run_tasks

RESET_URL = "/accounts/password/reset/"
DONE_URL = "/accounts/password/reset/done/"
NEW_PASSWORD = "a-brand-new-passphrase-42"


pytestmark = pytest.mark.usefixtures("shared_cache_on")


def request_reset(client, email, ip="10.0.0.1"):
    """Ask, then let the worker run the task the request queued (the email)."""
    with run_on_commit(execute=True):
        response = client.post(RESET_URL, {"email": email}, REMOTE_ADDR=ip)
    run_tasks()
    return response


def reset_link(message) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/\S+/\S+/", message.body).group(0)


def has_password(user, password) -> bool:
    user.refresh_from_db()
    return user.check_password(password)


def path_of(url: str, settings) -> str:
    return url.removeprefix(settings.SITE_URL)


def complete_reset(client, link_path, password=NEW_PASSWORD):
    """Follow the emailed link (which moves the token into the session) and choose a password."""
    form = client.get(link_path)
    assert form.status_code == 302, "the link redirects to a page without the token in its URL"
    return client.post(form["Location"], {"new_password1": password, "new_password2": password})


def test_login_page_links_to_password_reset(client, db):
    assert f'href="{RESET_URL}"' in client.get("/accounts/login/").content.decode()


def test_reset_page_is_a_site_page(client, db):
    response = client.get(RESET_URL)

    assert response.status_code == 200
    assert "Reset your password" in response.content.decode()
    assert 'class="site-nav"' in response.content.decode()  # base.html, not the admin's


def test_wagtail_admin_password_reset_is_off(client, learner):
    page = client.get("/admin/password_reset/")
    client.post("/admin/password_reset/", {"email": learner.user.email})

    assert page.status_code == 404
    assert mail.outbox == []
    assert "password_reset" not in client.get("/admin/login/").content.decode()


def test_a_learner_gets_one_email_with_a_link_on_the_site_url(client, learner, settings):
    settings.SITE_URL = "https://training.example.gov"

    response = request_reset(client, learner.user.email.upper())  # addresses ignore case

    assert response.status_code == 302
    assert response["Location"] == DONE_URL
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [learner.user.email]
    assert reset_link(mail.outbox[0]).startswith("https://training.example.gov/accounts/")
    assert "testserver" not in mail.outbox[0].body  # not the Host the request came with


def test_the_link_sets_a_new_password_once(client, learner, settings):
    request_reset(client, learner.user.email)
    link = path_of(reset_link(mail.outbox[0]), settings)

    done = complete_reset(client, link)
    again = client.get(link, follow=True)

    assert done.status_code == 302
    assert client.get(done["Location"]).status_code == 200
    assert has_password(learner.user, NEW_PASSWORD)
    assert not has_password(learner.user, PASSWORD)
    assert "no longer valid" in again.content.decode()
    assert "_auth_user_id" not in client.session  # resetting does not sign in


def test_staff_reset_their_password_on_the_site_too(client, coordinator, settings):
    request_reset(client, coordinator.email)

    complete_reset(client, path_of(reset_link(mail.outbox[0]), settings))

    assert has_password(coordinator, NEW_PASSWORD)


@pytest.mark.parametrize("weak", ["short-pw1", "password12345", "123456789012345"])
def test_the_new_password_must_pass_the_password_rules(client, learner, settings, weak):
    request_reset(client, learner.user.email)

    response = complete_reset(client, path_of(reset_link(mail.outbox[0]), settings), weak)

    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert has_password(learner.user, PASSWORD)


def test_a_completed_reset_ends_the_accounts_other_sessions(
    client, learner, settings, django_capture_on_commit_callbacks
):
    elsewhere = Client()
    elsewhere.force_login(learner.user)
    assert elsewhere.get("/training/").status_code == 200
    request_reset(client, learner.user.email)

    with django_capture_on_commit_callbacks(execute=True):  # the request's transaction commits
        complete_reset(client, path_of(reset_link(mail.outbox[0]), settings))

    response = elsewhere.get("/training/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_unknown_and_known_addresses_get_the_same_answer(learner, settings):
    known = request_reset(Client(), learner.user.email, ip="10.0.0.1")
    unknown = request_reset(Client(), "nobody@example.org", ip="10.0.0.2")

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    pages = [Client().get(DONE_URL).content for _ in range(2)]
    assert pages[0] == pages[1]
    assert b"If an account uses that address" in pages[0]
    assert len(mail.outbox) == 1


def test_known_and_unknown_addresses_cost_the_same_queries_before_the_answer(learner):
    request_reset(Client(), "first@example.org")  # the audit chain's head is created once
    counts = []
    for email in (learner.user.email, "nobody@example.org"):
        with CaptureQueriesContext(connection) as queries, run_on_commit(execute=True):
            Client().post(RESET_URL, {"email": email})
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert any("dbtaskresult" in q["sql"] for q in queries), "the task is queued in both"


def test_the_email_is_sent_by_a_worker_after_the_request_commits(learner):
    """Sending mail takes time an attacker could measure: the request only queues a task, with
    the account's id and no token; a worker renders and sends the email."""
    with run_on_commit(execute=True):
        response = Client().post(RESET_URL, {"email": learner.user.email})

    assert response.status_code == 302
    assert mail.outbox == []
    queued = DBTaskResult.objects.get(task_path__startswith="lms.")
    assert queued.task_path == "lms.password_reset.reset_emails_send"
    assert queued.args_kwargs == {"args": [], "kwargs": {"user_ids": [learner.user.pk]}}

    assert run_tasks() == 1
    assert len(mail.outbox) == 1
    assert reset_link(mail.outbox[0])


def test_a_failed_email_is_retried_with_backoff(learner, settings):
    settings.EMAIL_BACKEND = "tests.lms.test_password_reset.FailingBackend"
    with run_on_commit(execute=True):
        Client().post(RESET_URL, {"email": learner.user.email})
    run_tasks()

    first, retry = DBTaskResult.objects.filter(task_path__startswith="lms.").order_by("enqueued_at")
    assert first.status == "FAILED" and "SMTPException" in first.traceback
    assert retry.status == "READY" and retry.args_kwargs["kwargs"]["retry_attempt"] == 2
    assert 25 <= (retry.run_after - first.finished_at).total_seconds() <= 35

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_tasks(now=retry.run_after)
    assert len(mail.outbox) == 1


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPException("mail server down")


def test_reset_requests_and_completions_are_audited(client, learner, settings):
    request_reset(client, learner.user.email, ip="192.0.2.10")
    request_reset(client, "nobody@example.org", ip="192.0.2.10")
    complete_reset(client, path_of(reset_link(mail.outbox[0]), settings))

    requested = AuditEvent.objects.filter(action=Action.PASSWORD_RESET_REQUESTED).order_by("id")
    known, unknown = requested
    assert known.actor_username == learner.user.username
    assert (known.agency_id, known.person_id) == (learner.agency_id, learner.pk)
    assert known.ip_address == "192.0.2.10"
    assert known.data == {"email_sent": True}
    assert (unknown.actor_username, unknown.agency_id, unknown.person_id) == ("", None, None)
    assert unknown.data == {"account_found": False, "email": "nobody@example.org"}
    completed = AuditEvent.objects.get(action=Action.PASSWORD_RESET)
    assert completed.actor_id == learner.user.pk
    assert (completed.agency_id, completed.person_id) == (learner.agency_id, learner.pk)


def test_an_account_gets_three_emails_an_hour_and_the_fourth_request_looks_the_same(
    learner, monkeypatch
):
    answers = [request_reset(Client(), learner.user.email, ip=f"10.0.3.{n}") for n in range(4)]
    caches["default"].clear()  # another worker: the count is in the shared cache
    fifth = request_reset(Client(), learner.user.email, ip="10.0.3.9")

    assert {(r.status_code, r["Location"]) for r in [*answers, fifth]} == {(302, DONE_URL)}
    assert len(mail.outbox) == 3
    events = AuditEvent.objects.filter(action=Action.PASSWORD_RESET_REQUESTED).order_by("id")
    assert [e.data for e in events][2:] == [
        {"email_sent": True},
        {"email_sent": False, "reason": "rate_limited"},
        {"email_sent": False, "reason": "rate_limited"},
    ]

    later = time.time() + 3601
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: later)
    request_reset(Client(), learner.user.email, ip="10.0.3.10")
    assert len(mail.outbox) == 4


def test_an_address_may_ask_ten_times_an_hour(learner, learner_a2):
    for n in range(10):
        assert (
            request_reset(Client(), f"someone-{n}@example.org", ip="203.0.113.5").status_code == 302
        )
    caches["default"].clear()  # another worker: the count is in the shared cache

    limited = request_reset(Client(), learner.user.email, ip="203.0.113.5")
    other = request_reset(Client(), learner_a2.user.email, ip="203.0.113.6")

    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 3600
    assert "Too many requests" in limited.content.decode()
    assert other.status_code == 302
    assert [m.to for m in mail.outbox] == [[learner_a2.user.email]]


def test_the_address_limit_answers_known_and_unknown_accounts_alike(learner):
    for n in range(10):
        request_reset(Client(), f"someone-{n}@example.org", ip="203.0.113.7")

    known = request_reset(Client(), learner.user.email, ip="203.0.113.7")
    unknown = request_reset(Client(), "nobody@example.org", ip="203.0.113.7")

    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content


def test_reading_the_reset_page_is_not_limited(client, db):
    assert {client.get(RESET_URL, REMOTE_ADDR="203.0.113.8").status_code for _ in range(12)} == {
        200
    }
