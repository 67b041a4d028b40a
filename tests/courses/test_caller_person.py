"""The caller's person (`lms.scoping.require_person`), one table through every door that
needs one: an account without a training profile (an administrator, say) is refused with 403
on the API and on the pages alike; the same door with a profile gets past that check."""

import pytest

from tests.factories import UserFactory
from tests.helpers import complete_lessons, start_quiz

NO_PROFILE = {"detail": "This account has no training profile."}

# (door, method, url, status without a profile, status with one)
CASES = [
    ("api", "get", "/api/v1/me/progress/", 403, 200),
    ("api", "get", "/api/v1/me/certificates/", 403, 200),
    ("api", "post", "/api/v1/lessons/{lesson}/complete/", 403, 201),
    ("api", "post", "/api/v1/quizzes/{quiz}/attempts/", 403, 409),  # lessons not done yet
    ("api", "post", "/api/v1/attempts/{attempt}/submit/", 403, 400),  # no answers sent
    ("page", "post", "/training/lessons/{lesson}/complete/", 403, 302),
    ("page", "post", "/training/quizzes/{quiz}/start/", 403, 302),  # back, with a message
    ("page", "get", "/training/surveys/{curriculum}/pre/", 403, 404),  # it has no survey
    # Pages that show a person's own things show nothing to an account without one.
    ("page", "get", "/training/", 200, 200),
    ("page", "get", "/training/certificates/", 200, 200),
    # Oversight pages need command staff, who always have a profile.
    ("page", "get", "/oversight/", 403, 403),
    ("page", "get", "/oversight/audit/", 403, 403),
    ("page", "get", "/oversight/surveys/", 403, 403),
]


@pytest.fixture
def places(learner, curriculum):
    first, second = curriculum.modules
    complete_lessons(learner, first)
    return {
        "attempt": start_quiz(learner, first).pk,  # the learner's own, open
        "lesson": second.lessons[0].pk,
        "quiz": second.quiz.pk,
        "curriculum": curriculum.page.pk,
    }


def _call(door, method, url, user, client, api_for):
    if door == "api":
        return getattr(api_for(user), method)(url, {}, format="json")
    client.force_login(user)
    return getattr(client, method)(url)


@pytest.mark.parametrize(("door", "method", "url", "without", "with_profile"), CASES)
def test_doors_that_need_the_callers_person(
    client, api_for, learner, places, door, method, url, without, with_profile
):
    url = url.format(**places)
    nobody = UserFactory(is_staff=True, is_superuser=True)  # sees every page, has no profile

    refused = _call(door, method, url, nobody, client, api_for)
    assert refused.status_code == without
    if door == "api" and without == 403:
        assert refused.json() == NO_PROFILE

    allowed = _call(door, method, url, learner.user, client, api_for)
    assert allowed.status_code == with_profile
