"""`manage.py check_content`: the content check's figures per module, and a failing exit on
any broken rule (on modules of the tests' own; the shipped ones are being rewritten)."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.authoring.module_fixture import module_data, write_curriculum

REPO = Path(__file__).resolve().parents[2]


def run(path) -> str:
    out = StringIO()
    call_command("check_content", "--path", str(path), stdout=out)
    return out.getvalue()


def test_modules_meeting_every_rule_print_their_figures_and_pass(tmp_path):
    folder = write_curriculum(tmp_path, [module_data(1), module_data(2)])
    out = run(folder)
    assert "module-01-fixture.yaml\n  pool: 30\n  application share: 67%\n" in out
    for line in (
        "  longest correct share: 0%",
        "  multiple spread: {1: 1, 2: 1, 3: 1}",
        "  wrong choices explained: 30/30",
        "  sources: 5",
        "  sources cited: 3",
        "  branching scenarios: 2",
        "  minutes stated: ",
        "  minutes derived: ",
        "  credit hours derived: ",
    ):
        assert line in out
    assert "module-02-fixture.yaml" in out
    assert "FAIL" not in out
    assert "All 2 modules meet every rule." in out


def test_a_broken_rule_is_printed_and_fails_the_command(tmp_path):
    broken = module_data(2)
    broken["minutes"] = 645
    broken["sources"] = broken["sources"][:4]
    folder = write_curriculum(tmp_path, [module_data(1), broken])
    out = StringIO()
    with pytest.raises(CommandError, match=r"^2 content rules broken in 1 of 2 modules\.$"):
        call_command("check_content", "--path", str(folder), stdout=out)
    printed = out.getvalue()
    assert "  FAIL 4 sources; 5-10 expected" in printed
    assert "  FAIL the module states 645 minutes, derived" in printed
    assert "module-01-fixture.yaml" in printed and printed.count("FAIL") == 2


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda tmp: tmp / "missing", "is not a folder"),
        (lambda tmp: tmp, r"has no module-\*\.yaml files"),
    ],
)
def test_a_folder_without_modules_is_an_error(tmp_path, setup, message):
    with pytest.raises(CommandError, match=message):
        run(setup(tmp_path))


def test_unreadable_yaml_is_an_error(tmp_path):
    (tmp_path / "module-01-x.yaml").write_text("lessons: [unclosed")
    with pytest.raises(CommandError, match="Cannot read the module files"):
        run(tmp_path)


def test_the_command_exits_non_zero_from_the_shell(tmp_path):
    broken = module_data(1)
    broken["job_aid"] = None
    folder = write_curriculum(tmp_path, [broken])
    result = subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "check_content", "--path", str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={"DJANGO_SETTINGS_MODULE": "lms.settings.test", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert "FAIL no job aid (a title and at least two sections)" in result.stdout
    assert "1 content rule broken in 1 of 1 module." in result.stderr
