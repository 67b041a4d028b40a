"""The shape of the house: dependencies point one way (README, Architecture).

background (the task machinery, which knows no app) at the bottom, then lms, then xapi (the
statement outbox) and assessments, then courses, then compliance (the training-hours ledger,
which reads courses' completions), with oversight, records and authoring side by side above it,
and community (which draws oversight's charts and reads its dashboard) on top; the URL wiring
(lms/urls.py, lms/api.py) mounts apps by dotted path, so it imports none of them. Every import
counts, including those inside functions.
"""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
APPS = [
    "background",
    "lms",
    "xapi",
    "assessments",
    "courses",
    "compliance",
    "oversight",
    "records",
    "authoring",
    "community",
]
BELOW_COURSES = {"assessments", "xapi", "lms", "background"}
MAY_IMPORT = {
    "background": set(),
    "lms": {"background"},
    "xapi": {"lms", "background"},
    "assessments": {"lms", "background"},
    "courses": BELOW_COURSES,
    "compliance": {"courses", *BELOW_COURSES},
    "oversight": {"compliance", "courses", *BELOW_COURSES},
    "records": {"compliance", "courses", *BELOW_COURSES},
    "authoring": {"courses", *BELOW_COURSES},
    "community": {"oversight", "courses", *BELOW_COURSES},
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _upward_imports(app: str) -> list[str]:
    forbidden = {*APPS, "bench", "tests"} - MAY_IMPORT[app] - {app}
    found = []
    for path in sorted((REPO / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for name in _imports(path):
            if name.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(REPO)} imports {name}")
    return found


@pytest.mark.parametrize("app", APPS)
def test_no_app_imports_one_above_it(app):
    assert _upward_imports(app) == []


def test_the_finder_sees_an_upward_import(tmp_path, monkeypatch):
    """The check itself can fail: a module of lms importing courses is reported."""
    (tmp_path / "lms").mkdir()
    (tmp_path / "lms" / "bad.py").write_text("def f():\n    from courses.models import X\n")
    monkeypatch.setattr(f"{__name__}.REPO", tmp_path)

    assert _upward_imports("lms") == ["lms/bad.py imports courses.models"]
