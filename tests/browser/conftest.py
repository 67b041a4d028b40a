"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Nothing here is collected when /usr/bin/chromium is missing (`.ci/run` installs it).

The data: `seed_demo` runs once per session and the seeded database is serialized; every test
starts from that snapshot. Browser tests are transactional (the live server answers from its own
thread, so data must be committed), and a transactional test with serialized rollback loads
`connection._test_serialized_contents` before it runs and flushes the database after it.
Pointing that attribute at the seeded snapshot gives each test the whole demo in about a second
instead of seeding again.

Living with tests/conftest.py: its session-level `django_db_setup` commits a small curriculum
that the `db` tests share. pytest-django runs transactional tests after all the others, so that
data has served them before the first browser test flushes it; when the browser tests are done
the database is put back to its freshly migrated state (as `--reuse-db` expects to find it).
"""

import json
import os
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from playwright.sync_api import expect, sync_playwright

from tests.browser.steps import PASSWORD, SCREENSHOTS, review_page

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))  # or a copy elsewhere
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent

if not CHROMIUM.exists():
    collect_ignore = sorted(path.name for path in HERE.glob("test_*.py"))


def pytest_terminal_summary(terminalreporter):
    if not CHROMIUM.exists():
        terminalreporter.write_line(f"tests/browser not collected: {CHROMIUM} is missing.")


def _load(contents: str) -> None:
    """Empty the database and load serialized `contents` into it, as serialized rollback does."""
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    connection.creation.deserialize_db_from_string(contents)
    reset_sequences()


def reset_sequences() -> None:
    """Rows loaded with their primary keys leave PostgreSQL's sequences behind; move them on.
    (SQLite keeps its own counters up to date; it returns no statements.)"""
    models = apps.get_models(include_auto_created=True)
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


@pytest.fixture(scope="session")
def migrated_snapshot(django_db_setup, django_db_blocker) -> str:
    """The serialized migrated database that committing tests start from, read off the
    connection before Playwright starts (see demo_snapshot)."""
    with django_db_blocker.unblock():
        migrated = getattr(connection, "_test_serialized_contents", None)
    if migrated is None:
        pytest.fail("The test database was not serialized; request django_db_serialized_rollback.")
    return migrated


@pytest.fixture(scope="session")
def demo_snapshot(migrated_snapshot, django_db_blocker) -> str:
    """Seed the demo once; returns the serialized database every browser test starts from.

    It must run before Playwright starts: while Playwright's event loop runs in this thread,
    Django hands out a different connection object (asgiref keys it by the running loop),
    one that never saw the serialized migrated state `setup_databases` stored on this one.
    """
    migrated = migrated_snapshot
    with django_db_blocker.unblock():
        _load(migrated)
        call_command("seed_demo", password=PASSWORD, stdout=StringIO())
        seeded = connection.creation.serialize_db_to_string()
    yield seeded
    with django_db_blocker.unblock():
        _load(migrated)


@pytest.fixture
def site(django_db_serialized_rollback, live_server) -> str:
    """The live server's address; its database holds the seeded demo, committed."""
    reset_sequences()
    return live_server.url


@pytest.fixture(scope="session")
def browser(demo_snapshot):
    # Playwright's sync API keeps an event loop in this thread; the tests' own database calls
    # (looking up answers, seeding progress) are synchronous and safe here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package", autouse=True)
def _demo_for_serialized_rollback(browser, demo_snapshot, migrated_snapshot):
    """Point Playwright's connection (see demo_snapshot) at the seeded snapshot, which serialized
    rollback loads before each browser test and the flush removes after it; put the migrated
    snapshot back when the package is done, so that later committing tests start from it.

    Package scope matters: pytest-django's autouse live-server helper loads the snapshot before
    any function-scoped fixture of a test runs, so it must be in place before the first test.
    """
    connection._test_serialized_contents = demo_snapshot
    yield
    connection._test_serialized_contents = migrated_snapshot


@pytest.fixture
def new_page(browser, site):
    """Open a page in a fresh browser context (its own cookies: one signed-in person)."""
    expect.set_options(timeout=15_000)
    contexts = []

    def open_page(width: int = 1280):
        context = browser.new_context(
            base_url=site, viewport={"width": width, "height": 900}, accept_downloads=True
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_findings():
    """Every axe violation seen (any impact), written to screenshots/axe-report.json."""
    findings: list[dict] = []
    yield findings
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "axe-report.json").write_text(json.dumps(findings, indent=2))


@pytest.fixture
def review(axe_findings):
    """`review(page, name)`: axe and a full-page screenshot at each width (steps.review_page)."""

    def run(page, name: str) -> None:
        review_page(page, name, findings=axe_findings)

    return run
