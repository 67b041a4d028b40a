"""Run several commands side by side and stop them together: `make run`'s web server and task
worker.

    python -m background.supervisor "CMD ONE" "CMD TWO" ...

Each command runs in its own process group (so a server's autoreloader child goes with it).
Ctrl-C (SIGINT) or SIGTERM to the supervisor, or any command ending by itself, stops all the
others: SIGTERM to each group, SIGKILL to those still running `GRACE_SECONDS` later. The exit
status is the first command's to end on its own, or 0 after Ctrl-C / SIGTERM. Standard library
only, no Django: it runs before the project is imported.
"""

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 10.0
POLL_SECONDS = 0.2


class Stop(Exception):
    """A signal asked the supervisor to stop."""


def _raise_stop(signum, frame):
    raise Stop(signum)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def stop_all(processes: list[subprocess.Popen], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM every running process group, then SIGKILL what still runs after `grace`."""
    for process in processes:
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()


def supervise(commands: list[list[str]], *, grace: float = GRACE_SECONDS) -> int:
    """Start the commands, wait until one ends or a signal comes, stop the rest."""
    previous = {s: signal.signal(s, _raise_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    processes: list[subprocess.Popen] = []
    status = 0
    try:
        for command in commands:
            processes.append(subprocess.Popen(command, start_new_session=True))  # noqa: S603
        while True:
            ended = next((p for p in processes if p.poll() is not None), None)
            if ended is not None:
                status = ended.returncode
                print(
                    f"supervisor: {shlex.join(ended.args)} exited ({status}); stopping the rest",
                    file=sys.stderr,
                )
                break
            time.sleep(POLL_SECONDS)
    except Stop:
        status = 0
    finally:
        # A second Ctrl-C while stopping must not leave children behind.
        for s in previous:
            signal.signal(s, signal.SIG_IGN)
        stop_all(processes, grace)
        for s, handler in previous.items():
            signal.signal(s, handler)
    return status


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    return supervise([shlex.split(command) for command in argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
