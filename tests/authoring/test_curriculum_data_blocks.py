"""The loader of the curriculum files (authoring/curriculum_data.py): branching scenarios,
sources and job aids, on a module of the tests' own (tests/authoring/module_fixture.py)."""

import copy
from pathlib import Path

import pytest

from authoring.curriculum_data import CurriculumDataError, load_curriculum, validate_module
from courses.models import LessonPage, ModulePage
from tests.authoring.module_fixture import module_data, write_curriculum

WHERE = Path("module-01-fixture.yaml")


def test_the_fixture_module_is_accepted():
    assert validate_module(WHERE, module_data()).number == 1


def _unsound(data):
    data["lessons"][0]["body"][1]["value"]["steps"][2]["choices"][1]["next"] = "gone"


def _h1_in_a_step(data):
    data["lessons"][0]["body"][1]["value"]["steps"][0]["situation"] = "<h1>Big</h1>"


def _iframe_in_the_setting(data):
    data["lessons"][1]["body"][1]["value"]["setting"] = "<iframe src=x></iframe>"


def _no_scenario_of_either_kind(data):
    for lesson in data["lessons"]:
        lesson["body"] = [b for b in lesson["body"] if b["type"] != "branching_scenario"]


def _a_source_without_citation(data):
    data["sources"][1] = {"url": "https://example.org/"}


def _a_source_address_not_on_the_web(data):
    data["sources"][0]["url"] = "javascript:alert(1)"


def _a_job_aid_without_title(data):
    data["job_aid"]["title"] = ""


def _a_job_aid_section_without_lines(data):
    data["job_aid"]["sections"][0]["items"] = []


BROKEN = {
    "an unsound branching scenario": (
        _unsound,
        "listening: scenario 'The box cutter on Alder Court': Step 'wait', choice 2: leads to "
        "'gone', which is not a step.",
    ),
    "h1 in a step": (
        _h1_in_a_step,
        "listening: scenario 'The box cutter on Alder Court': tags not allowed: ['h1']",
    ),
    "iframe in a setting": (_iframe_in_the_setting, "explaining: scenario"),
    "no scenario of either kind": (_no_scenario_of_either_kind, "no scenario block"),
    "a source without a citation": (_a_source_without_citation, "sources:"),
    "a source address not on the web": (_a_source_address_not_on_the_web, "sources:"),
    "a job aid without a title": (_a_job_aid_without_title, "the job aid needs a title"),
    "a job aid section without lines": (_a_job_aid_section_without_lines, "job_aid_sections:"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_module_breaking_the_format_is_refused_naming_the_place(case):
    breaker, expected = BROKEN[case]
    data = copy.deepcopy(module_data())
    breaker(data)
    with pytest.raises(CurriculumDataError) as error:
        validate_module(WHERE, data)
    assert str(error.value).startswith("module-01-fixture.yaml: ")
    assert expected in str(error.value)


def test_a_branching_scenario_stands_for_the_required_scenario():
    """The fixture has no single-decision scenario: its branching ones meet the need."""
    kinds = {b["type"] for lesson in module_data()["lessons"] for b in lesson["body"]}
    assert "scenario" not in kinds and "branching_scenario" in kinds


def test_loading_creates_the_scenarios_sources_and_job_aid(tmp_path, home, client, learner):
    data = module_data()
    data["lessons"][0]["body"][1]["value"]["setting"] = (
        '<p onclick="x()">Dispatch <a href="javascript:x()">call</a>.</p>'
    )
    data["lessons"][0]["body"][1]["value"]["steps"][1]["situation"] = (
        '<p>Talk <a href="javascript:y()">now</a></p>'
    )
    curriculum, _ = load_curriculum(home, write_curriculum(tmp_path, [data]))
    module = ModulePage.objects.child_of(curriculum).get()
    assert dict(module.sources[0].value) == data["sources"][0]
    assert not module.sources[1].value["url"]  # none given
    assert (module.job_aid_title, module.job_aid_intro) == (
        "Contact checklist",
        "Use it before and after any contact.",
    )
    assert [(s.value["heading"], list(s.value["items"])) for s in module.job_aid_sections] == [
        ("Before", ["Greet first.", "Say why you are there."]),
        ("After", ["Thank them.", "Write it up."]),
    ]
    lesson = LessonPage.objects.child_of(module).get(slug="listening")
    block = lesson.body[1]
    assert block.block_type == "branching_scenario"
    setting = block.value["setting"].source
    assert "onclick" not in setting and "javascript:" not in setting
    assert "javascript:" not in block.value["steps"][1]["situation"].source
    assert [step["id"] for step in block.value["steps"]] == [
        "arrival",
        "talk",
        "wait",
        "deeper",
        "calm",
        "tense",
    ]
    assert list(block.value["steps"][4]["choices"]) == []  # an ending stays an ending
