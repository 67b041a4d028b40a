"""The workload bench's journeys (bench/workload_bench.py), replayed through the test client so
the bench cannot rot: officers signed in by the bench's bulk sessions read every lesson in
order, mark each complete, take each quiz (retaking a failed one) and finish the curriculum;
command staff open the dashboard, a report page and the CSV. No timing here."""

from urllib.parse import urlencode

import pytest
from django.test import Client

from assessments.models import Attempt
from bench import workload_bench as bench
from courses.models import CurriculumCompletion, LessonProgress
from courses.progress import services


class ClientTransport:
    """The bench's transport over Django's test client, with CSRF checks on as in a browser;
    the cookies are the bench's own (its bulk-created session and CSRF cookie)."""

    def __init__(self):
        self.client = Client(enforce_csrf_checks=True)

    def send(self, request: bench.Request, cookie: str) -> bench.Response:
        body = urlencode(request.form, doseq=True) if request.form is not None else ""
        response = self.client.generic(
            request.method,
            request.path,
            body,
            content_type="application/x-www-form-urlencoded",
            HTTP_COOKIE=cookie,
        )
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return bench.Response(response.status_code, response.get("Location", ""), content)


@pytest.fixture
def officers(learner, learner_a2, curriculum):
    """Two officers: one fresh, one who has already read the first lesson."""
    services.lesson_complete(person=learner_a2, lesson=curriculum.modules[0].lessons[0])
    return [learner, learner_a2]


def test_journeys_finish_the_curriculum_and_every_kind_succeeds(officers, command_a, curriculum):
    plan = bench.build_plan(curriculum.page)
    cookies = bench.sign_in([p.user for p in officers] + [command_a.user])
    loaded = bench.load_officers(officers, plan, cookies)
    first = curriculum.modules[0].lessons[0].pk
    assert [(o.module, o.lessons_done) for o in loaded] == [(0, set()), (0, {first})]

    driver = bench.Driver(
        ClientTransport,
        loaded,
        [cookies[command_a.user.pk][0]],
        plan,
        seed=3,
        pass_share=0.5,  # some attempts fail: the journey retakes them
        staff_mix=dict.fromkeys(bench.STAFF_KINDS, 0.5),
    )
    driver.recorder.start, driver.recorder.end = 0, float("inf")
    driver.run_thread(0)  # until every officer has finished

    recorder = driver.recorder
    assert recorder.abandoned == 0, recorder.abandon_reasons
    assert recorder.sessions == len(officers) * len(plan.modules)
    assert set(recorder.latencies) == {*bench.OFFICER_KINDS, *bench.STAFF_KINDS}
    assert recorder.errors == {}
    lessons = sum(len(m.lessons) for m in plan.modules)
    assert len(recorder.latencies["lesson"]) == 2 * lessons - 1  # each (officer, page) once
    assert LessonProgress.objects.filter(person__in=officers).count() == 2 * lessons
    assert CurriculumCompletion.objects.filter(person__in=officers).count() == 2
    failed = Attempt.objects.filter(user__person__in=officers, passed=False).count()
    assert failed > 0
    assert len(recorder.latencies["attempt_submit"]) == failed + 2 * len(plan.modules)
    assert bench.load_officers(officers, plan, cookies) == []


def test_a_redirect_to_sign_in_abandons_the_session(learner, curriculum):
    plan = bench.build_plan(curriculum.page)
    signed_out = bench.Officer("nobody", cookie="", csrf="x")
    driver = bench.Driver(ClientTransport, [signed_out], ["x"], plan, staff_mix={})
    driver.recorder.start, driver.recorder.end = 0, float("inf")
    driver.run_thread(0)
    assert driver.recorder.sessions == 0
    assert driver.recorder.abandoned == 1
    assert "expected 200" in driver.recorder.abandon_reasons[0]


def test_staff_requests_follow_the_assumed_proportion():
    quota = bench.StaffQuota(bench.staff_per_session())
    taken = []
    for _ in range(50):
        quota.session_started()
        while kind := quota.take():
            taken.append(kind)
    # 1 staff per 50 officers, 10% active, 2 + 2 + 1 pages: 0.4, 0.4, 0.2 per session.
    assert {kind: taken.count(kind) for kind in bench.STAFF_KINDS} == {
        "dashboard": 20,
        "report": 20,
        "csv": 10,
    }
