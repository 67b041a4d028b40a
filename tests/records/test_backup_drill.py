"""manage.py backup_drill on PostgreSQL: a site with learners, completions, a certificate,
ledger entries and audit events is dumped and exported at one moment, restored both ways and
found whole; a copy tampered with after its restore is reported, with a non-zero exit.

The drill runs pg_dump, pg_restore and manage.py in subprocesses, which see only committed
rows: hence a committing test (`transaction=True`) that builds its own site.
"""

import base64
import json
from io import StringIO

import dj_database_url
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from authoring.site import ensure_home_page
from compliance.models import TrainingEntry
from courses.models import Certificate, CurriculumPage, HomePage
from lms import roles
from lms.models import AuditEvent
from records.drill import Drill, Server, compare_summaries
from tests.factories import AgencyFactory, AssignmentFactory, PersonFactory, make_curriculum
from tests.helpers import pass_module

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PREFIX = "wt_backup_drill"
SCRATCH = (f"{PREFIX}_dump", f"{PREFIX}_records")


def scratch_databases() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)", [list(SCRATCH)])
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def drill_site(monkeypatch):
    """Learners, completions, one certificate, ledger entries and their audit events, below
    the home page a migrated site's import_curriculum creates (/common-ground/)."""
    server = Server.of(connection.settings_dict)
    for name in SCRATCH:  # left by an interrupted run
        server.drop_database(name)
    # The session's base data (when an earlier committing test has not flushed it) has its
    # home page at another address: moved to the one a migrated site's import makes.
    home = HomePage.objects.first() or ensure_home_page()
    if home.slug != "common-ground":
        home.slug = "common-ground"
        home.save()
    roles.ensure_roles()
    # Other tests' committed data may be here too: the drill copies whatever there is.
    certificates, entries = Certificate.objects.count(), TrainingEntry.objects.count()
    curriculum = make_curriculum(home, modules=2, lessons=1)
    agency = AgencyFactory()
    AssignmentFactory(curriculum=curriculum.page, agency=agency)
    finisher, starter, _ = (PersonFactory(agency=agency) for _ in range(3))
    for module in curriculum.modules:
        pass_module(finisher, module)
    pass_module(starter, curriculum.modules[0])
    assert Certificate.objects.count() == certificates + 1
    assert TrainingEntry.objects.count() == entries + 3
    # The manage.py processes the drill starts sign with this process's throwaway key.
    monkeypatch.setenv("CREDENTIALS_SIGNING_KEY", settings.CREDENTIALS_SIGNING_KEY)
    yield
    for name in SCRATCH:
        server.drop_database(name)


def run_drill() -> str:
    out = StringIO()
    try:
        call_command("backup_drill", scratch_prefix=PREFIX, stdout=out)
    finally:
        print(out.getvalue())  # the drill's own report, shown when a test fails
    return out.getvalue()


def test_drill_restores_both_backups_whole_and_drops_its_databases(drill_site):
    events = AuditEvent.objects.count()

    output = run_drill()

    assert "3 accounts, 3 people, 3 module completions, 1 curriculum completions" in output
    assert "1 certificates, 3 ledger entries" in output
    assert f"dump restored into {PREFIX}_dump:" in output
    assert "every row count equal" in output
    assert output.count("verify_audit: Audit chain intact") == 2
    assert output.count("1 live credentials verify") == 2
    assert "import_records: Imported 3 users" in output
    assert output.rstrip().endswith("Backup drill passed.")
    assert scratch_databases() == []
    # The drill wrote nothing to the live site but export_curriculum's events.
    assert AuditEvent.objects.count() == events + CurriculumPage.objects.count()


def test_drill_fails_naming_what_a_tampered_copy_lost(drill_site, monkeypatch):
    """After pg_restore, one ledger row is deleted from the copy and one chained audit event
    edited; after the portable restore, one ledger row is deleted."""
    run_tool, manage = Drill._run_tool, Drill._manage

    def tamper(database: str, *statements: str) -> None:
        with Server.of(connection.settings_dict).connect(database) as copy:
            for statement in statements:
                assert copy.execute(statement).rowcount == 1

    def restore_then_tamper(self, tool, args, database, *rest):
        run_tool(self, tool, args, database, *rest)
        if tool == "pg_restore":
            tamper(
                self.dump_db,
                "DELETE FROM compliance_trainingentry WHERE id = (SELECT max(id) "
                "FROM compliance_trainingentry)",
                "UPDATE lms_auditevent SET ip_address = '192.0.2.66' WHERE seq = 2",
            )

    def sync_then_tamper(self, name, args, label):
        problems = manage(self, name, args, label)
        if args == ["compliance_sync"]:
            tamper(
                name,
                "DELETE FROM compliance_trainingentry WHERE id = (SELECT min(id) "
                "FROM compliance_trainingentry)",
            )
        return problems

    monkeypatch.setattr(Drill, "_run_tool", restore_then_tamper)
    monkeypatch.setattr(Drill, "_manage", sync_then_tamper)

    with pytest.raises(CommandError) as failed:
        run_drill()

    message = str(failed.value)
    assert message.startswith("Backup drill FAILED, 3 problems:")
    assert (
        f"dump restored into {PREFIX}_dump: table public.compliance_trainingentry has 2 rows, "
        "the live one 3" in message
    )
    assert f"dump restored into {PREFIX}_dump: manage.py verify_audit failed" in message
    assert f"records restored into {PREFIX}_records: 2 ledger entries, the live site has 3" in (
        message
    )
    assert scratch_databases() == []


def test_drill_refuses_a_scratch_database_that_already_exists(drill_site):
    Server.of(connection.settings_dict).create_database(SCRATCH[0])

    with pytest.raises(CommandError, match=f"The database {SCRATCH[0]} already exists"):
        run_drill()

    assert scratch_databases() == [SCRATCH[0]]  # not the drill's to drop


def test_scratch_database_url_keeps_every_part_as_the_settings_read_it():
    server = Server(host="db.internal", port="5433", user="cg app", password="p@ss/w:rd")

    parsed = dj_database_url.parse(server.url("wt_backup_x"))

    assert (parsed["HOST"], parsed["PORT"], parsed["NAME"]) == ("db.internal", 5433, "wt_backup_x")
    assert (parsed["USER"], parsed["PASSWORD"]) == ("cg app", "p@ss/w:rd")


def test_portable_restore_may_renumber_the_achievement_but_nothing_else():
    def token(achievement_id, holder="Dana Reyes"):
        payload = {
            "credentialSubject": {"identifier": holder, "achievement": {"id": achievement_id}}
        }
        body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
        return f"header.{body}.signature"

    def summary(credential):
        return {
            "counts": {},
            "certificates": {"C": {"revoked": False, "credential": credential}},
            "verified": {"C": {"verified": True, "revoked": False, "detail": ""}},
        }

    live = summary(token("urn:achievements:40"))
    renumbered, renamed = summary(token("urn:achievements:4")), summary(token("x", "Someone"))

    assert compare_summaries(live, renumbered, "copy", page_ids_kept=False) == []
    assert compare_summaries(live, renumbered, "copy") == [
        "copy: certificate C signs a different credential"
    ]
    assert compare_summaries(live, renamed, "copy", page_ids_kept=False) == [
        "copy: certificate C signs a different credential"
    ]
