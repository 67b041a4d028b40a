"""`make run`'s supervisor: the server and the worker start together and stop together."""

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from background.supervisor import stop_all

REPO = Path(__file__).resolve().parents[2]


def sleeper(pid_file: Path, *, exit_after: float | None = None, ignore_term=False) -> str:
    """A command that writes its pid, then sleeps (or exits with 3 after `exit_after`)."""
    code = f"import os, signal, time; open({str(pid_file)!r}, 'w').write(str(os.getpid()));"
    if ignore_term:
        code += "signal.signal(signal.SIGTERM, signal.SIG_IGN);"
    code += f"time.sleep({exit_after}); raise SystemExit(3)" if exit_after else "time.sleep(120)"
    return f'{sys.executable} -c "{code}"'


def supervisor(*commands: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "background.supervisor", *commands], cwd=REPO
    )


def pid_of(path: Path) -> int:
    deadline = time.monotonic() + 20
    while not (path.exists() and path.read_text()):
        assert time.monotonic() < deadline, f"{path} never started"
        time.sleep(0.05)
    return int(path.read_text())


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (ended, not yet reaped by its exited parent) counts as stopped.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


def test_ctrl_c_stops_both_commands(tmp_path):
    web, worker = tmp_path / "web", tmp_path / "worker"
    process = supervisor(sleeper(web), sleeper(worker))
    pids = [pid_of(web), pid_of(worker)]

    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=20) == 0
    assert not any(running(pid) for pid in pids)


def test_when_one_command_ends_the_other_is_stopped_and_its_status_returned(tmp_path):
    web, worker = tmp_path / "web", tmp_path / "worker"
    process = supervisor(sleeper(web), sleeper(worker, exit_after=0.5))
    web_pid = pid_of(web)

    assert process.wait(timeout=20) == 3
    assert not running(web_pid)


def test_a_command_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path):
    stubborn = tmp_path / "stubborn"
    child = subprocess.Popen(  # noqa: S603
        shlex.split(sleeper(stubborn, ignore_term=True)), start_new_session=True
    )
    pid_of(stubborn)
    started = time.monotonic()

    stop_all([child], grace=0.5)

    assert child.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 5
