"""Branching scenarios as a learner walks them, through the client: each decision a form post
that answers 303 back to the lesson, the consequence and the ending shown, starting again;
refused posts answer 400 and store nothing. And the single-decision scenario's options, in an
order of each learner's own."""

import re
import threading
from html import unescape as html_unescape

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from courses.blocks import BranchingScenarioBlock, learner_order
from courses.models import LessonPage, ScenarioChoice, ScenarioPath
from courses.scenarios import services
from lms.errors import DomainError
from tests.admin_forms import page_form
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    PersonFactory,
    add_branching_scenario,
    branching_scenario_value,
    make_curriculum,
    make_home,
)


@pytest.fixture
def lesson(curriculum):
    return curriculum.modules[0].lessons[0]


@pytest.fixture
def block_id(lesson):
    return add_branching_scenario(lesson)


def choose_url(lesson, block_id):
    return reverse("scenario-choose", args=[lesson.pk, block_id])


def restart_url(lesson, block_id):
    return reverse("scenario-restart", args=[lesson.pk, block_id])


def choose(client, lesson, block_id, step, choice, run=1):
    return client.post(choose_url(lesson, block_id), {"run": run, "step": step, "choice": choice})


def walked(learner, block_id) -> list[list[tuple[str, int]]]:
    """Every path of the learner in the scenario, as (step, choice) lists, walk by walk."""
    return [
        [(c.step, c.choice) for c in path.choices.order_by("position")]
        for path in ScenarioPath.objects.filter(person=learner, block_id=block_id).order_by("run")
    ]


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_lesson_shows_the_setting_and_the_first_decision_as_a_labelled_form(
    signed_in, lesson, block_id
):
    html = page_text(signed_in.get(lesson.url))
    assert f'id="scenario-{block_id}"' in html
    assert "Dispatch: a man with a box cutter outside the pharmacy." in html
    assert "<h4>Decision 1</h4>" in html
    assert f'action="{choose_url(lesson, block_id)}"' in html
    assert "<legend>What do you do?</legend>" in html
    for index, text in enumerate(["Go to talk from arrival", "Go to wait from arrival"]):
        field = f"scenario-{block_id}-arrival-{index}"
        assert f'<input type="radio" name="choice" value="{index}" id="{field}" required>' in html
        assert f'<label for="{field}">{text}</label>' in html
    assert '<input type="hidden" name="step" value="arrival">' in html
    assert "Start this scenario again" not in html  # nothing chosen yet


def test_a_walk_shows_each_consequence_then_the_outcome_and_records_the_path(
    signed_in, learner, lesson, block_id
):
    response = choose(signed_in, lesson, block_id, "arrival", 0)
    assert response.status_code == 303
    assert response["Location"] == f"{lesson.url}#scenario-{block_id}"
    html = page_text(signed_in.get(lesson.url))
    assert "<strong>You chose:</strong> Go to talk from arrival" in html
    assert "<strong>What happened:</strong> So it comes to talk." in html
    assert "<h4>Decision 2</h4>" in html
    assert "The situation at talk." in html
    assert '<input type="hidden" name="step" value="talk">' in html
    assert "Start this scenario again" in html

    assert choose(signed_in, lesson, block_id, "talk", 1).status_code == 303
    assert choose(signed_in, lesson, block_id, "deeper", 1).status_code == 303
    html = page_text(signed_in.get(lesson.url))
    assert "How it ended: it went badly" in html
    assert "<h5>What went well</h5> <p>Went well at tense.</p>" in html
    assert "<h5>What to improve</h5> <p>To improve at tense.</p>" in html
    assert f'action="{restart_url(lesson, block_id)}"' in html
    assert 'name="choice"' not in html

    path = ScenarioPath.objects.get(person=learner, block_id=block_id)
    assert (path.lesson_id, path.run, path.at_step) == (lesson.pk, 1, "tense")
    assert path.completed_at is not None
    assert walked(learner, block_id) == [[("arrival", 0), ("talk", 1), ("deeper", 1)]]
    assert list(path.choices.values_list("text", flat=True)) == [
        "Go to talk from arrival",
        "Go to deeper from talk",
        "Go to tense from deeper",
    ]


REFUSED = {
    "a step out of order": ({"run": 1, "step": "talk", "choice": 0}, "step"),
    "a step that does not exist": ({"run": 1, "step": "nowhere", "choice": 0}, "step"),
    "a choice the step does not have": ({"run": 1, "step": "arrival", "choice": 2}, "choice"),
    "a choice beyond any step's": ({"run": 1, "step": "arrival", "choice": 9}, "choice"),
    "a negative choice": ({"run": 1, "step": "arrival", "choice": -1}, "choice"),
    "no choice": ({"run": 1, "step": "arrival"}, "choice"),
    "a choice that is not a number": ({"run": 1, "step": "arrival", "choice": "x"}, "choice"),
    "no walk number": ({"step": "arrival", "choice": 0}, "run"),
    "a walk not begun": ({"run": 2, "step": "arrival", "choice": 0}, "run"),
    "a walk number past the database's range": (
        {"run": 40000, "step": "arrival", "choice": 0},
        "run",
    ),
    "a step name too long": ({"run": 1, "step": "s" * 51, "choice": 0}, "step"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_refused_post_answers_400_and_stores_nothing(signed_in, lesson, block_id, case):
    data, field = REFUSED[case]
    response = signed_in.post(choose_url(lesson, block_id), data)
    assert response.status_code == 400
    assert response.context["field"] == field
    assert "Your choice was not recorded" in response.content.decode()
    assert f'href="{lesson.url}#scenario-{block_id}"' in response.content.decode()
    assert not ScenarioPath.objects.exists()
    assert not ScenarioChoice.objects.exists()


def test_a_second_tab_answering_the_same_step_is_refused_and_one_path_kept(
    signed_in, learner, lesson, block_id
):
    assert choose(signed_in, lesson, block_id, "arrival", 0).status_code == 303
    second = choose(signed_in, lesson, block_id, "arrival", 1)
    assert second.status_code == 400
    assert "already been answered" in second.content.decode()
    assert walked(learner, block_id) == [[("arrival", 0)]]


def test_after_the_ending_no_further_choice_is_taken(signed_in, learner, lesson, block_id):
    choose(signed_in, lesson, block_id, "arrival", 1)
    choose(signed_in, lesson, block_id, "wait", 0)
    response = choose(signed_in, lesson, block_id, "calm", 0)
    assert response.status_code == 400
    assert "reached its ending" in response.content.decode()
    assert walked(learner, block_id) == [[("arrival", 1), ("wait", 0)]]


def test_starting_again_begins_a_new_walk_and_keeps_the_first(signed_in, learner, lesson, block_id):
    choose(signed_in, lesson, block_id, "arrival", 1)
    choose(signed_in, lesson, block_id, "wait", 0)
    response = signed_in.post(restart_url(lesson, block_id), {"run": 1})
    assert response.status_code == 303
    assert response["Location"] == f"{lesson.url}#scenario-{block_id}"
    # A second tab starting again from the same page begins no third walk.
    assert signed_in.post(restart_url(lesson, block_id), {"run": 1}).status_code == 303
    html = page_text(signed_in.get(lesson.url))
    assert "<h4>Decision 1</h4>" in html
    assert '<input type="hidden" name="run" value="2">' in html
    assert "You chose:" not in html
    assert choose(signed_in, lesson, block_id, "arrival", 0, run=1).status_code == 400
    assert choose(signed_in, lesson, block_id, "arrival", 0, run=2).status_code == 303
    assert walked(learner, block_id) == [[("arrival", 1), ("wait", 0)], [("arrival", 0)]]


def test_starting_again_before_any_choice_begins_nothing(signed_in, lesson, block_id):
    assert signed_in.post(restart_url(lesson, block_id), {"run": 1}).status_code == 303
    assert not ScenarioPath.objects.exists()
    assert signed_in.post(restart_url(lesson, block_id), {"run": "x"}).status_code == 400


def test_a_walk_through_a_revised_scenario_can_be_started_again(
    signed_in, learner, lesson, block_id
):
    choose(signed_in, lesson, block_id, "arrival", 0)
    lesson = LessonPage.objects.get(pk=lesson.pk)
    raw = list(lesson.body.raw_data)
    steps = raw[-1]["value"]["steps"]
    steps[0]["choices"][0]["next"] = "wait"  # so 'talk' can go (as the factory stored it)
    steps.pop(1)
    lesson.body = raw
    lesson.save()
    html = page_text(signed_in.get(lesson.url))
    assert "This scenario has been revised since you began it." in html
    assert choose(signed_in, lesson, block_id, "talk", 0).status_code == 400
    assert signed_in.post(restart_url(lesson, block_id), {"run": 1}).status_code == 303
    assert "<h4>Decision 1</h4>" in page_text(signed_in.get(lesson.url))


def test_who_may_post(client, learner, learner_b, lesson, block_id):
    url = choose_url(lesson, block_id)
    data = {"run": 1, "step": "arrival", "choice": 0}
    response = client.post(url, data)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(learner_b.user)  # agency B: the curriculum is not assigned
    assert client.post(url, data).status_code == 404
    client.force_login(learner.user)
    assert client.get(url).status_code == 405
    assert client.post(choose_url(lesson, "not-a-block"), data).status_code == 404
    other = LessonPage.objects.exclude(pk=lesson.pk).first()
    assert client.post(choose_url(other, block_id), data).status_code == 404
    assert not ScenarioPath.objects.exists()


def test_a_post_without_a_csrf_token_is_refused(learner, lesson, block_id):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(learner.user)
    response = client.post(choose_url(lesson, block_id), {"run": 1, "step": "arrival", "choice": 0})
    assert response.status_code == 403
    assert not ScenarioPath.objects.exists()


def test_the_lesson_page_reads_the_walks_in_a_fixed_number_of_queries(
    signed_in, learner, lesson, django_assert_max_num_queries
):
    first = add_branching_scenario(lesson, title="First")
    lesson = LessonPage.objects.get(pk=lesson.pk)
    second = add_branching_scenario(lesson, title="Second")
    uncached = {"fresh": 1}  # a query string: never the page cache's (its own tests: lms)
    signed_in.get(lesson.url, uncached)  # warm the per-worker memos
    choose(signed_in, lesson, first, "arrival", 0)
    with CaptureQueriesContext(connection) as one_choice:
        signed_in.get(lesson.url, uncached)
    one_choice_queries = len(one_choice)  # read now: the next request empties the log
    choose(signed_in, lesson, first, "talk", 1)
    choose(signed_in, lesson, second, "arrival", 0)
    choose(signed_in, lesson, second, "talk", 1)
    with django_assert_max_num_queries(one_choice_queries):
        response = signed_in.get(lesson.url, uncached)
    assert page_text(response).count("<h4>Decision 3</h4>") == 2


def test_an_author_without_a_training_profile_sees_the_first_decision_without_a_form(
    admin_client, lesson, block_id
):
    html = page_text(admin_client.get(lesson.url))
    assert "<h4>Decision 1</h4>" in html
    assert "Go to talk from arrival" in html
    assert 'name="choice"' not in html


# --- the rules, directly --------------------------------------------------------------------


def test_the_rule_refuses_a_block_the_lesson_does_not_have(learner, lesson):
    with pytest.raises(DomainError) as error:
        services.scenario_choose(
            person=learner, lesson=lesson, block_id="x", run=1, step="arrival", choice=0
        )
    assert error.value.code == "not_found"


def test_the_block_refuses_an_unsound_tree_naming_the_step():
    block = BranchingScenarioBlock()
    value = branching_scenario_value()
    value["steps"][2]["choices"][1]["next"] = "arrival"  # wait > arrival: a cycle
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python(value))
    messages = [m for e in error.value.non_block_errors.as_data() for m in e.messages]
    assert messages == ["Step 'arrival': the path arrival > wait comes back to it."]
    assert block.clean(block.to_python(branching_scenario_value()))  # sound: accepted


# --- the single-decision scenario: options in each learner's order ---------------------------

OPTIONS = ["Knock and wait", "Call for backup", "Speak from the porch", "Leave a card"]


@pytest.fixture
def scenario_lesson(lesson):
    lesson.body = [
        {
            "type": "scenario",
            "value": {
                "title": "The porch",
                "situation": "<p>A porch at night.</p>",
                "options": [
                    {"choice": text, "outcome": f"After {text}.", "recommended": i == 0}
                    for i, text in enumerate(OPTIONS)
                ],
            },
        }
    ]
    lesson.save()
    return LessonPage.objects.get(pk=lesson.pk)


def shown_order(html: str) -> list[str]:
    return re.findall(r"<summary>(.*?)</summary>", html)


def test_each_learner_sees_the_options_in_an_order_of_their_own_kept_on_reload(
    client, agency_a, scenario_lesson
):
    block_id = scenario_lesson.body[0].id
    orders = set()
    for _ in range(6):
        person = PersonFactory(agency=agency_a)
        client.force_login(person.user)
        first = shown_order(client.get(scenario_lesson.url).content.decode())
        assert first == learner_order(OPTIONS, learner=str(person.user.pk), block_id=block_id)
        assert shown_order(client.get(scenario_lesson.url).content.decode()) == first
        assert sorted(first) == sorted(OPTIONS)
        orders.add(tuple(first))
    assert len(orders) > 1


def test_learner_order_depends_on_the_learner_and_the_block():
    assert learner_order(OPTIONS, learner="1", block_id="a") == learner_order(
        OPTIONS, learner="1", block_id="a"
    )
    orders = {tuple(learner_order(OPTIONS, learner=str(n), block_id="a")) for n in range(20)}
    assert len(orders) > 5
    blocks = {tuple(learner_order(OPTIONS, learner="1", block_id=str(n))) for n in range(20)}
    assert len(blocks) > 5


# --- concurrency (PostgreSQL) -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_tabs_answering_the_same_step_at_once_record_one_path():
    # Its own data: an earlier committing test may have flushed the session's base data.
    curriculum = make_curriculum(make_home(), modules=1, lessons=1)
    agency = AgencyFactory()
    AssignmentFactory(curriculum=curriculum.page, agency=agency)
    learner = PersonFactory(agency=agency)
    lesson = LessonPage.objects.get(pk=curriculum.modules[0].lessons[0].pk)
    block_id = add_branching_scenario(lesson)
    barrier = threading.Barrier(2)
    outcomes = []

    def tab(choice):
        try:
            barrier.wait()
            services.scenario_choose(
                person=learner,
                lesson=lesson,
                block_id=block_id,
                run=1,
                step="arrival",
                choice=choice,
            )
            outcomes.append("recorded")
        except DomainError:
            outcomes.append("refused")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=tab, args=(choice,)) for choice in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["recorded", "refused"]
    assert ScenarioPath.objects.filter(person=learner).count() == 1
    assert ScenarioChoice.objects.filter(path__person=learner).count() == 1


# --- authored in the admin -------------------------------------------------------------------


def _listed(items: list) -> dict:
    """A ListBlock's form data: like a stream's, without the block types."""
    data = {str(i): {"value": item, "deleted": "", "order": str(i)} for i, item in enumerate(items)}
    data["count"] = str(len(items))
    return data


def scenario_form_value(value: dict) -> dict:
    """The editor's form data for a branching scenario in the curriculum files' shape."""
    return {
        "title": value["title"],
        "setting": rich_text(value["setting"]),
        "steps": _listed(
            [
                {
                    "id": step["id"],
                    "situation": rich_text(step["situation"]),
                    "choices": _listed(step.get("choices", [])),
                    "outcome": step.get("outcome")
                    or {"rating": "", "went_well": "", "to_improve": ""},
                }
                for step in value["steps"]
            ]
        ),
    }


def post_lesson_editor(client, lesson, value: dict):
    data = page_form(client, lesson)
    data.update(
        nested_form_data(
            {"body": streamfield([("branching_scenario", scenario_form_value(value))])}
        )
    )
    data["action-publish"] = "1"
    return client.post(reverse("wagtailadmin_pages:edit", args=[lesson.pk]), data)


def test_the_editor_refuses_an_unsound_tree_with_the_step_named(admin_client, lesson):
    value = branching_scenario_value()
    value["steps"][1]["choices"][1]["next"] = "nowhere"
    response = post_lesson_editor(admin_client, lesson, value)
    assert response.status_code == 200  # the editor again, nothing saved
    assert "The page could not be saved due to validation errors" in response.content.decode()
    assert "Step 'talk', choice 2: leads to 'nowhere', which is not a step." in html_unescape(
        response.content.decode()
    )
    assert LessonPage.objects.get(pk=lesson.pk).body[0].block_type == "rich_text"


def test_the_editor_saves_a_sound_tree_that_learners_then_walk(
    admin_client, client, learner, lesson
):
    response = post_lesson_editor(admin_client, lesson, branching_scenario_value())
    assert response.status_code == 302
    lesson = LessonPage.objects.get(pk=lesson.pk)
    block = lesson.body[0]
    assert block.block_type == "branching_scenario"
    client.force_login(learner.user)
    assert choose(client, lesson, block.id, "arrival", 1).status_code == 303
    assert choose(client, lesson, block.id, "wait", 1).status_code == 303
    assert "How it ended: it went badly" in page_text(client.get(lesson.url))
