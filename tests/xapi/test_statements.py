"""What the progress services write to the xAPI outbox: the statements' shape, written in the
fact's transaction, nothing when xAPI is off, and only inserts in the request."""

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from courses.progress import services
from lms.errors import DomainError
from tests.helpers import complete_lessons, fail_quiz, pass_module, start_quiz, submit
from tests.tasks import run_on_commit
from xapi.models import OutboxStatement, XapiAccount
from xapi.statements import duration

ADL = "http://adlnet.gov/expapi/"
SITE = "https://training.example.gov"
DELIVERY = "xapi.delivery.deliver_statements"


@pytest.fixture
def xapi_on(settings):
    settings.SITE_URL = SITE
    settings.XAPI_LRS_ENDPOINT = "http://127.0.0.1:9/xAPI/"  # nothing listens: never reached
    settings.XAPI_LRS_USERNAME, settings.XAPI_LRS_PASSWORD = "user", "secret"


def statements() -> list[dict]:
    return [row.statement for row in OutboxStatement.objects.order_by("created_at", "id")]


def by_verb(found: list[dict], verb: str) -> list[dict]:
    return [s for s in found if s["verb"]["id"] == f"{ADL}verbs/{verb}"]


def test_nothing_is_written_or_queued_when_xapi_is_off(learner, curriculum):
    with run_on_commit(execute=True):
        pass_module(learner, curriculum.modules[0])

    assert not OutboxStatement.objects.exists()
    assert not XapiAccount.objects.exists()
    assert not DBTaskResult.objects.filter(task_path=DELIVERY).exists()


def test_the_actor_is_an_account_on_the_site_with_an_opaque_stable_id(xapi_on, learner, curriculum):
    pass_module(learner, curriculum.modules[0])

    found = statements()
    actors = {json.dumps(s["actor"], sort_keys=True) for s in found}
    assert len(actors) == 1
    actor = found[0]["actor"]
    name = XapiAccount.objects.get(person=learner).name
    assert actor == {"objectType": "Agent", "account": {"homePage": SITE, "name": str(name)}}
    text = json.dumps(found)
    user = learner.user
    for private in (learner.display_name, user.email, user.username, user.last_name):
        assert private not in text
    assert f'"{learner.pk}"' not in json.dumps(actor)


def test_each_statement_has_its_own_id_assigned_at_write(xapi_on, learner, curriculum):
    pass_module(learner, curriculum.modules[0])

    rows = list(OutboxStatement.objects.all())
    assert len(rows) == 5
    assert all(row.statement["id"] == str(row.id) for row in rows)
    assert len({row.id for row in rows}) == 5
    assert all(uuid.UUID(row.statement["id"]).version == 4 for row in rows)


def test_lessons_quizzes_modules_and_the_curriculum_have_stable_iris_and_parents(
    xapi_on, learner, curriculum
):
    first, second = curriculum.modules
    first.page.quiz.save_revision().publish()  # attempts record the revision served
    first.page.quiz.refresh_from_db()
    pass_module(learner, first)
    pass_module(learner, second)
    found = statements()
    course = f"{SITE}/xapi/activities/curriculum/{curriculum.page.pk}"
    module = f"{SITE}/xapi/activities/module/{first.page.pk}"

    lesson = by_verb(found, "completed")[0]
    assert lesson["object"]["id"] == f"{SITE}/xapi/activities/lesson/{first.lessons[0].pk}"
    assert lesson["object"]["definition"]["type"] == f"{ADL}activities/lesson"
    assert [a["id"] for a in lesson["context"]["contextActivities"]["parent"]] == [module]
    assert [a["id"] for a in lesson["context"]["contextActivities"]["grouping"]] == [course]

    passed = by_verb(found, "passed")[0]
    quiz = first.page.quiz
    assert passed["object"]["id"] == f"{SITE}/xapi/activities/quiz/{quiz.pk}"
    assert passed["object"]["definition"]["type"] == f"{ADL}activities/assessment"
    revision = quiz.live_revision_id
    assert passed["context"]["revision"] == str(revision)
    assert [a["id"] for a in passed["context"]["contextActivities"]["other"]] == [
        f"{SITE}/xapi/activities/quiz/{quiz.pk}/revision/{revision}"
    ]
    assert [a["id"] for a in passed["context"]["contextActivities"]["parent"]] == [module]

    modules_done = [s for s in by_verb(found, "completed") if "/module/" in s["object"]["id"]]
    assert [a["id"] for a in modules_done[0]["context"]["contextActivities"]["parent"]] == [course]
    [done] = [s for s in found if s["object"]["id"] == course]
    assert done["verb"]["id"] == f"{ADL}verbs/completed"
    assert "contextActivities" not in done["context"]


def test_passed_and_failed_carry_the_score_success_and_duration(xapi_on, learner, curriculum):
    module = curriculum.modules[0]
    failed_attempt = fail_quiz(learner, module)
    passed_attempt = pass_module(learner, module)
    found = statements()

    [failed] = by_verb(found, "failed")
    served = len(failed_attempt.questions)
    assert failed["result"]["score"] == {"scaled": 0, "raw": 0, "min": 0, "max": served}
    assert failed["result"]["success"] is False
    [passed] = by_verb(found, "passed")
    assert passed["result"]["score"] == {"scaled": 1, "raw": served, "min": 0, "max": served}
    assert passed["result"]["success"] is True
    assert re.fullmatch(r"PT(\d+H)?(\d+M)?(\d+(\.\d\d?)?S)?", passed["result"]["duration"])
    assert passed["timestamp"] == passed_attempt.submitted_at.isoformat()
    assert len(by_verb(found, "attempted")) == 2


def test_one_registration_per_certification_cycle(xapi_on, learner, learner_a2, curriculum):
    pass_module(learner, curriculum.modules[0])
    pass_module(learner_a2, curriculum.modules[0])
    registrations = {}
    for s in statements():
        registrations.setdefault(s["actor"]["account"]["name"], set()).add(
            s["context"]["registration"]
        )

    assert [len(r) for r in registrations.values()] == [1, 1]
    first, second = (r.pop() for r in registrations.values())
    assert first != second
    name = XapiAccount.objects.get(person=learner).name
    expected = uuid.uuid5(name, f"curriculum/{curriculum.page.pk}/cycle/1")
    assert first == str(expected)


def test_a_fact_rolled_back_leaves_no_statement(xapi_on, learner, curriculum):
    module = curriculum.modules[0]
    complete_lessons(learner, module)
    before = OutboxStatement.objects.count()
    attempt = start_quiz(learner, module)

    with pytest.raises(DomainError):
        submit(learner, module, attempt, {"not-a-question": [1]})
    assert OutboxStatement.objects.count() == before + 1  # the attempt's start only

    with pytest.raises(RuntimeError), transaction.atomic():
        services.lesson_complete(person=learner, lesson=curriculum.modules[1].lessons[0])
        raise RuntimeError("the caller's transaction fails after the fact")
    assert OutboxStatement.objects.count() == before + 1


def test_a_request_only_inserts_and_queues_one_delivery(xapi_on, signed_in, curriculum):
    """Completing a lesson through the site: no call to the LRS (which is not even there),
    the statements inserted, one delivery task queued however many facts."""
    module = curriculum.modules[0]
    with CaptureQueriesContext(connection) as queries, run_on_commit(execute=True):
        response = signed_in.post(reverse("lesson-complete", args=[module.lessons[0].pk]))

    assert response.status_code in (200, 302)
    xapi_writes = [
        q["sql"]
        for q in queries
        if ("xapi_" in q["sql"] or "dbtaskresult" in q["sql"]) and not q["sql"].startswith("SELECT")
    ]
    assert all(sql.startswith("INSERT") for sql in xapi_writes)
    assert sum("xapi_xapiaccount" in sql for sql in xapi_writes) == 1  # made on first use
    assert sum("xapi_outboxstatement" in sql for sql in xapi_writes) == 1
    assert sum("dbtaskresult" in sql for sql in xapi_writes) == 1
    assert OutboxStatement.objects.filter(status="pending", attempts=0).count() == 1


@pytest.mark.parametrize(
    ("elapsed", "text"),
    [
        (timedelta(0), "PT0S"),
        (timedelta(seconds=3.456), "PT3.46S"),
        (timedelta(seconds=59), "PT59S"),
        (timedelta(minutes=2), "PT2M"),
        (timedelta(hours=1, minutes=2, seconds=3.45), "PT1H2M3.45S"),
        (timedelta(hours=26), "PT26H"),
    ],
)
def test_durations_are_iso_8601_to_the_hundredth(elapsed, text):
    assert duration(elapsed) == text
