"""Benchmark the compliance dashboard and the state-reporting CSV on a throwaway database of
50,000 officers, each with a year of ledger entries.

    .venv/bin/python bench/compliance_bench.py [--officers 50000] [--entries 12] [--runs 3]
                                               [--database-url postgres://.../bench_compliance]
                                               [--reuse]

Without --database-url the database is a fresh SQLite file under /tmp (never db.sqlite3); with
it, a PostgreSQL database whose name contains "bench" (emptied). Migrates, loads the curriculum
and rule sets, and bulk-seeds one agency on the Minnesota rule set (the richest: licence
periods per officer, a pool, a yearly topic): officers with licence dates spread over three
years, `--entries` entries each within the last year (a quarter of them our modules' internal
entries, one in ten pending). Then, in a fresh process, measures as the agency's command
staff:

  * `compliance_report()` for the whole agency (the rule evaluated for every officer);
  * the dashboard page `/compliance/staff/` through the test client (report, counts by unit,
    at-risk list, a page of 50), and the report API's first page;
  * the state CSV for the past year built as an export (the task writes it to the exports
    storage, a temporary directory here): seconds, rows, peak RSS growth.

Seeding is bench-only: no test or app seeds this much.
"""

import argparse
import gc
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report_bench import empty_database, setup_django, shown_command  # noqa: E402

DEFAULT_SQLITE = "/tmp/common-ground-compliance-bench.sqlite3"  # noqa: S108
CHUNK = 5000
UNITS = 10
COMMAND = "bench-compliance-command"
CATEGORIES = [
    ["crisis_intervention"],
    ["autism"],
    ["conflict_management"],
    ["implicit_bias"],
    ["use_of_force"],
    ["ce_other"],
    ["ce_other"],
    ["crisis_intervention", "conflict_management"],
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--officers", type=int, default=50_000)
    parser.add_argument("--entries", type=int, default=12, help="ledger entries per officer")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url")
    parser.add_argument("--reuse", action="store_true", help="measure an already seeded database")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def seed(officers: int, per_officer: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from compliance import services
    from compliance.models import ComplianceProfile, RuleSet, TrainingEntry
    from courses.models import ModulePage
    from lms import roles
    from lms.models import Agency, Person, Unit

    began = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", curriculum_only=True, verbosity=0)
    print(f"  migrate and curriculum: {time.perf_counter() - began:.0f} s", flush=True)
    services.rule_sets_load()
    agency = Agency.objects.create(name="Bench Compliance PD", slug="bench-compliance")
    services.agency_rule_set_choose(agency=agency, rule_set=RuleSet.objects.get(code="mn-post"))
    units = [Unit.objects.create(agency=agency, name=f"Unit {n:02d}") for n in range(UNITS)]
    modules = list(ModulePage.objects.values_list("pk", "credit_hours"))
    groups = roles.ensure_roles()
    command = get_user_model().objects.create(username=COMMAND)
    command.groups.add(groups[roles.COMMAND_STAFF])
    Person.objects.create(user=command, agency=agency, personnel_category="leader")
    today = timezone.localdate()
    rng = random.Random(16)
    User = get_user_model()
    entries = 0
    for start in range(0, officers, CHUNK):
        count = min(CHUNK, officers - start)
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(username=f"bc{n}", first_name="Officer", last_name=f"{n:06d}")
                for n in range(start, start + count)
            )
            people = Person.objects.bulk_create(
                Person(
                    user=user,
                    agency=agency,
                    unit=units[n % UNITS],
                    badge_number=f"BC-{start + n:06d}",
                )
                for n, user in enumerate(users)
            )
            ComplianceProfile.objects.bulk_create(
                ComplianceProfile(
                    person=person,
                    state_id=f"MN-{person.pk:07d}",
                    licence_expires_on=today + timedelta(days=rng.randrange(1, 3 * 365)),
                )
                for person in people
            )
            rows = []
            for person in people:
                for k in range(per_officer):
                    day = today - timedelta(days=rng.randrange(0, 365))
                    if k % 4 == 0:
                        module_id, hours = modules[k % len(modules)]
                        rows.append(
                            TrainingEntry(
                                person=person,
                                source="internal",
                                status="approved",
                                title="Module",
                                provider="Common Ground",
                                completed_on=day,
                                hours=hours,
                                module_id=module_id,
                            )
                        )
                        continue
                    rows.append(
                        TrainingEntry(
                            person=person,
                            source="external",
                            status="pending" if rng.random() < 0.1 else "approved",
                            title=f"Course {k}",
                            provider="Regional academy",
                            course_number=f"MN-{k:04d}",
                            completed_on=day,
                            hours=Decimal(rng.choice([1, 2, 4, 6, 8])),
                            categories=CATEGORIES[rng.randrange(len(CATEGORIES))],
                        )
                    )
            TrainingEntry.objects.bulk_create(rows, batch_size=2000)
            entries += len(rows)
        print(
            f"  seeded {start + count:,} officers ({time.perf_counter() - began:.0f} s)",
            flush=True,
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {"officers": officers, "entries": entries}


def timed(runs: int, fn):
    times, result = [], None
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), result


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(args) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from compliance.selectors import compliance_report
    from lms.models import Person

    command = get_user_model().objects.get(username=COMMAND)
    agency_id = command.person.agency_id
    from compliance.models import TrainingEntry

    officers = Person.objects.filter(agency_id=agency_id).count() - 1
    entries = TrainingEntry.objects.filter(person__agency_id=agency_id).count()
    print(f"{connection.vendor}: {officers:,} officers, {entries:,} ledger entries")

    def report():
        return compliance_report(people=Person.objects.visible_to(command), agency_id=agency_id)

    with CaptureQueriesContext(connection) as queries:
        rows = len(report().rows)
    median, best, result = timed(args.runs, report)
    counts = result.counts()
    print(
        f"compliance_report(): {median:.2f} s median, {best:.2f} s best, {rows:,} officers, "
        f"{len(queries)} queries; {counts}"
    )

    client = Client()
    client.force_login(command)
    # A query string keeps the page cache out of it: every run renders.
    rendered = "/compliance/staff/?page=1"
    # (Queries of pages are counted in tests/compliance/test_report_scale.py: here a request's
    # own reset of the query log hides them.)
    response = client.get(rendered)
    assert response.status_code == 200, response.status_code
    median, best, _ = timed(args.runs, lambda: client.get(rendered))
    print(f"dashboard {rendered} (rendered): {median:.2f} s median, {best:.2f} s best")
    client.get("/compliance/staff/")  # rendered once, then kept until the agency's records change
    median, best, _ = timed(args.runs, lambda: client.get("/compliance/staff/"))
    print(f"dashboard /compliance/staff/ (page cache): {median * 1000:.1f} ms median")
    median, best, _ = timed(args.runs, lambda: client.get("/api/v1/reports/compliance/"))
    print(f"report API page 1: {median:.2f} s median, {best:.2f} s best")

    # The state CSV as staff now get it: asked for (request_export), built by the export task
    # (run here in-process, as a worker runs it) into the exports storage, then read back.
    from compliance.exporting.services import build_export, request_export

    today = timezone.localdate()
    year = {"start": (today - timedelta(days=365)).isoformat(), "end": today.isoformat()}

    def csv_build():
        export = request_export(user=command, kind="state-csv", data=year)
        assert build_export.call(export_id=export.pk) == "ready"
        export.refresh_from_db()
        lines = 0
        with export.file.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                lines += chunk.count(b"\n")
        return export.size, lines

    before = peak_rss_mb()
    csv_build()
    median, best, (size, lines) = timed(args.runs, csv_build)
    print(
        f"state CSV export built (one year): {median:.2f} s median, {best:.2f} s best, "
        f"{lines - 1:,} rows, {size / 1e6:.1f} MB, peak RSS {peak_rss_mb():.0f} MB "
        f"(before the CSV: {before:.0f} MB)"
    )


def main(argv=None) -> None:
    args = parse_args(argv)
    url = args.database_url or f"sqlite:///{DEFAULT_SQLITE}"
    if args.child:
        setup_django(url)
        measure(args)
        return
    print(f"$ {shown_command()}")
    if not args.reuse:
        empty_database(url)
        os.environ["BENCH_SQLITE_NO_SYNC"] = "1"
        setup_django(url)
        started = time.perf_counter()
        made = seed(args.officers, args.entries)
        print(
            f"Seeded {made['officers']:,} officers and {made['entries']:,} ledger entries in "
            f"{time.perf_counter() - started:.0f} s."
        )
    child = [sys.executable, __file__, "--child", "--runs", str(args.runs), "--database-url", url]
    env = {k: v for k, v in os.environ.items() if k != "BENCH_SQLITE_NO_SYNC"}
    subprocess.run(child, check=True, cwd=ROOT, env=env)


if __name__ == "__main__":
    main()
