"""The shape rules of a branching scenario (courses/branching.py), one table of trees."""

import pytest

from courses.branching import follow, longest_path, scenario_problems


def decision(step_id: str, *targets: str) -> dict:
    return {
        "id": step_id,
        "situation": f"<p>{step_id}</p>",
        "choices": [
            {"text": f"Do {t}", "consequence": f"It leads to {t}.", "next": t} for t in targets
        ],
    }


def ending(step_id: str, rating: str = "good") -> dict:
    return {
        "id": step_id,
        "situation": "<p>The end.</p>",
        "outcome": {"rating": rating, "went_well": "Calm.", "to_improve": "Ask sooner."},
    }


def sound() -> list[dict]:
    """Two decisions on every path, three on one."""
    return [
        decision("arrival", "talk", "wait"),
        decision("talk", "calm", "deeper"),
        decision("wait", "calm", "tense"),
        decision("deeper", "calm", "tense"),
        ending("calm"),
        ending("tense", "poor"),
    ]


def with_change(change) -> list[dict]:
    steps = sound()
    change(steps)
    return steps


CASES = {
    "sound": (sound(), []),
    "no steps": ([], ["A branching scenario needs steps."]),
    "not a list": ("steps", ["A branching scenario needs steps."]),
    "a step that is not an object": (
        [*sound(), "oops"],
        ["Step 7: expected a step (an id, a situation, choices)."],
    ),
    "bad id": (
        with_change(lambda s: s[4].update(id="Calm Ending")),
        ["Step 5: the id must be lower-case letters, digits and hyphens."],
    ),
    "id used twice": (
        [*sound(), ending("calm")],
        ["Step 7: the id 'calm' is used twice."],
    ),
    "one choice": (
        with_change(lambda s: s[1]["choices"].pop()),
        ["Step 'talk': a decision has 2 to 4 choices."],
    ),
    "five choices": (
        with_change(lambda s: s[1]["choices"].extend(s[2]["choices"] + s[3]["choices"][:1])),
        ["Step 'talk': a decision has 2 to 4 choices."],
    ),
    "choice without text or consequence": (
        with_change(lambda s: s[0]["choices"][1].update(text=" ", consequence="")),
        [
            "Step 'arrival', choice 2: say what the officer does.",
            "Step 'arrival', choice 2: say what happens next.",
        ],
    ),
    "ending without rating or lessons": (
        with_change(lambda s: s[5].update(outcome={"rating": "great"})),
        [
            "Step 'tense': an ending needs a rating (good, mixed, poor).",
            "Step 'tense': an ending needs 'went_well'.",
            "Step 'tense': an ending needs 'to_improve'.",
        ],
    ),
    "choice leading nowhere": (
        with_change(lambda s: s[2]["choices"][1].update(next="gone")),
        ["Step 'wait', choice 2: leads to 'gone', which is not a step."],
    ),
    "cycle": (
        with_change(lambda s: s[3]["choices"][1].update(next="talk")),
        ["Step 'talk': the path arrival > talk > deeper comes back to it."],
    ),
    "unreached step": (
        [*sound(), ending("orphan")],
        ["No path reaches the steps orphan."],
    ),
    "a path of one decision": (
        with_change(lambda s: s[0]["choices"][1].update(next="calm")),
        ["A path ends after 1 decision(s); every path needs 2.", "No path reaches"],
    ),
    "a path of five decisions": (
        [
            decision("d1", "d2", "e"),
            decision("d2", "d3", "e"),
            decision("d3", "d4", "e"),
            decision("d4", "d5", "e"),
            decision("d5", "e", "e"),
            ending("e"),
        ],
        ["A path runs to more than 4 decisions; the most is 4."],
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_scenario_problems(name):
    steps, expected = CASES[name]
    problems = scenario_problems(steps)
    if name == "a path of one decision":  # 'wait' is then unreached as well
        assert problems == ["No path reaches the steps wait.", expected[0]]
        return
    assert problems == expected


def test_a_long_chain_is_refused_without_walking_it_all():
    """A chain of 2,000 decisions (deeper than Python's recursion limit) is one problem."""
    steps = [decision(f"s{i}", f"s{i + 1}", "end") for i in range(2000)]
    steps += [decision("s2000", "end", "end"), ending("end")]
    assert scenario_problems(steps) == ["A path runs to more than 4 decisions; the most is 4."]


def test_a_wide_tree_is_checked_step_by_step_not_path_by_path():
    """4**30 paths, 31 steps: each step is explored once, and a cycle met along the four
    choices of every step is named once."""
    steps = [decision(f"l{i}", *[f"l{i + 1}"] * 4) for i in range(30)]
    steps += [decision("l30", "l0", "l0")]
    assert scenario_problems(steps) == ["A path runs to more than 4 decisions; the most is 4."]
    cycle = [decision(f"l{i}", *[f"l{i + 1}"] * 4) for i in range(3)]
    cycle += [decision("l3", "l0", "l1")]
    assert scenario_problems(cycle) == [
        "Step 'l0': the path l0 > l1 > l2 > l3 comes back to it.",
        "Step 'l1': the path l0 > l1 > l2 > l3 comes back to it.",
    ]


def test_longest_path_counts_the_decisions_of_the_deepest_path():
    assert longest_path(sound()) == 3
    assert longest_path([]) == 0  # unsound: no allowance


def test_follow_walks_the_choices_taken():
    walk = follow(sound(), [("arrival", 0), ("talk", 1)])
    assert [step["id"] for step, _ in walk.taken] == ["arrival", "talk"]
    assert [choice["next"] for _, choice in walk.taken] == ["talk", "deeper"]
    assert walk.at["id"] == "deeper"
    assert walk.decision_number == 3
    assert not walk.finished
    finished = follow(sound(), [("arrival", 1), ("wait", 0)])
    assert finished.finished and finished.at["id"] == "calm"
    assert follow(sound(), []).at["id"] == "arrival"


@pytest.mark.parametrize(
    "chosen",
    [
        [("talk", 0)],  # out of order: the first step is arrival
        [("arrival", 2)],  # no third choice
        [("arrival", -1)],
        [("arrival", 0), ("talk", 0), ("calm", 0)],  # past the ending
    ],
)
def test_follow_refuses_choices_that_do_not_fit(chosen):
    assert follow(sound(), chosen) is None


def test_follow_refuses_a_choice_leading_to_a_step_since_removed():
    steps = sound()
    steps[0]["choices"][0]["next"] = "gone"
    assert follow(steps, [("arrival", 0)]) is None
