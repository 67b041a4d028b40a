"""A real learning record store for the xAPI tests: Ralph (ralph-malph, file-system backend),
started once per session on a free loopback port with basic-auth credentials made by its own
`ralph auth`, stopped after. Tests that use `lrs` skip only when Ralph cannot be imported.

By hand (docs/tasks.md): `ralph auth ... -w`, then `ralph runserver -b fs` with
RALPH_AUTH_FILE and RALPH_RUNSERVER_BACKEND=fs; see SERVE for the one change made here.
"""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

USERNAME = "common-ground"
PASSWORD = "lrs-test-password"


# Ralph's file-system backend writes each batch as a new file by default (operation CREATE),
# so its second write of new statements fails with a 500 ("Statements bulk indexation
# failed"): it is meant for a single import. Appending to its file is the backend's own
# APPEND operation; everything else (validation, ids, duplicates, queries) is Ralph's as is.
SERVE = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Ralph:
    """Ralph's LRS as a subprocess: start, stop, start again (same port and data), read."""

    def __init__(self, directory):
        self.directory = directory
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoint = f"{self.url}/xAPI/"
        self.process = None
        self.env = {
            **os.environ,
            "RALPH_APP_DIR": str(directory / "app"),
            "RALPH_AUTH_FILE": str(directory / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(directory / "data"),
        }
        (directory / "data").mkdir()
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "ralph", "auth", "-u", USERNAME, "-p", PASSWORD, "-s", "all",
             "-M", "mailto:lrs-admin@example.org", "-w"],
            env=self.env, check=True, capture_output=True, timeout=120,
        )  # fmt: skip

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", SERVE, str(self.port)],
            env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/__heartbeat__", timeout=2):  # noqa: S310
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("Ralph did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None

    def statements(self, **params) -> list[dict]:
        """GET /xAPI/statements with the query's parameters, every page."""
        token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
        url = f"{self.endpoint}statements?{urlencode({'limit': 500, **params})}"
        found = []
        while url:
            request = urllib.request.Request(url, headers=headers)  # noqa: S310
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                page = json.load(response)
            found += page["statements"]
            url = f"{self.url}{page['more']}" if page.get("more") else None
        return found


@pytest.fixture(scope="session")
def ralph_server(tmp_path_factory):
    pytest.importorskip("ralph", reason="Ralph (ralph-malph[cli,lrs]) is not installed")
    server = Ralph(tmp_path_factory.mktemp("ralph"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def lrs(ralph_server, settings):
    """Ralph, running, and the site's xAPI settings pointing at it."""
    if ralph_server.process is None:
        ralph_server.start()
    settings.XAPI_LRS_ENDPOINT = ralph_server.endpoint
    settings.XAPI_LRS_USERNAME = USERNAME
    settings.XAPI_LRS_PASSWORD = PASSWORD
    settings.XAPI_LRS_TIMEOUT = 5
    yield ralph_server
    if ralph_server.process is None:
        ralph_server.start()
