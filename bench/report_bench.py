"""Benchmark the command-staff completion report on a throwaway database of 50,000 officers.

    .venv/bin/python bench/report_bench.py [--officers 50000] [--agencies 20]
                                           [--database-url postgres://postgres@127.0.0.1:5432/bench]

Without --database-url the database is a fresh SQLite file under /tmp; with it, a PostgreSQL
database whose name contains "bench" (created when missing, its public schema emptied).
Migrates, runs seed_demo (curriculum, roles, demo accounts), bulk-seeds the officers, then
measures in a fresh process (and each CSV stream in one of its own, so its RSS growth is its
own and not hidden by memory that seeding or another step freed):

  * the report API (page 1 and a middle page, 50 rows) as command staff of the largest
    agency, and the same selector + serializer over every officer;
  * dashboard() for both scopes;
  * the streamed CSV for both scopes: seconds, rows, peak RSS growth, tracemalloc peak.

--reuse measures an already seeded database again (for trying an index in a scratch copy);
--explain also prints each report query's time and plan.
"""

import argparse
import gc
import json
import math
import os
import random
import secrets
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = Path(tempfile.gettempdir()) / "common-ground-bench.sqlite3"
BATCH_SIZE = 2000
CHUNK_PEOPLE = 5000  # people seeded per transaction, so seeding memory stays bounded
COMMAND_USERNAME = "bench-command"
PAGE_SIZE = 50  # oversight.api.ReportPagination.page_size
RSS_SAMPLE_EVERY = 500  # CSV rows between resident-memory samples

# The mix of people: share of each state (the rest have not started).
COMPLETED_SHARE = 0.35
IN_PROGRESS_SHARE = 0.30
EXPIRED_SHARE = 0.06  # of completed people: the certificate ran out, due again (overdue)
FAILED_FIRST_SHARE = 0.15  # of passed quizzes: a failed attempt came first
PAST_DUE_SHARE = 0.15  # of people: in agencies whose assignment is past due

UNITS = [
    "Patrol North",
    "Patrol South",
    "Patrol East",
    "Patrol West",
    "Investigations",
    "Traffic",
    "Community Services",
    "Communications",
    "Training Academy",
    "Administration",
]
FIRST_NAMES = (  # noqa: SIM905 (a list of names reads better as text)
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William "
    "Barbara Richard Susan Joseph Jessica Thomas Sarah Carlos Karen Daniel Lisa Matthew "
    "Nancy Anthony Betty Mark Sandra Luis Ashley Steven Kimberly Andrew Emily Kenneth "
    "Donna Joshua Michelle Kevin Carol Brian Amanda Priya Dorothy Wei Melissa Ahmed "
    "Deborah Tomas Keisha Omar Grace"
).split()
LAST_NAMES = (  # noqa: SIM905 (a list of names reads better as text)
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright "
    "Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell "
    "Mitchell Carter Roberts Okafor Novak Kowalski Natarajan Chen Silva Fischer Grant "
    "Ortega Whitfield Brooks Reyes Price Bell Morales"
).split()
CATEGORIES = [("sworn", 0.80), ("civilian", 0.15), ("leader", 0.04), ("elected", 0.01)]
RANKS = {
    "sworn": ["Officer", "Officer", "Officer", "Corporal", "Sergeant", "Detective"],
    "civilian": ["Dispatcher", "Records Clerk", "Analyst"],
    "leader": ["Lieutenant", "Captain", "Commander"],
    "elected": ["Council Member"],
}


# --- Database and process setup ------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Seed a throwaway database and time the completion report, API and CSV."
    )
    parser.add_argument(
        "--sizes",
        default="50000,500",
        help="comma-separated agency sizes, bench-01 first (default 50000,500: the scaling "
        "ratio of the dashboard between the largest and the smallest); empty for "
        "--officers/--agencies",
    )
    parser.add_argument("--officers", type=int, default=50_000, help="officers to seed")
    parser.add_argument("--agencies", type=int, default=20, help="agencies bench-01..NN")
    parser.add_argument(
        "--database-url",
        help=f"PostgreSQL (name must contain 'bench') or SQLite URL; default {DEFAULT_SQLITE}",
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement")
    parser.add_argument("--seed", type=int, default=42, help="random seed for the data mix")
    parser.add_argument(
        "--reuse", action="store_true", help="measure an already seeded database, no reseeding"
    )
    parser.add_argument(
        "--explain", action="store_true", help="print each report query's time and plan"
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="skip ANALYZE after seeding (SQLite's dashboard then turns quadratic: keep "
        "--officers small)",
    )
    parser.add_argument(
        "--jit-off",
        action="store_true",
        help="PostgreSQL: connect with jit=off (see README.md: the report queries trigger JIT)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--csv-scope", choices=["agency", "all"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(n) for n in args.sizes.split(",") if n.strip()] or None
    except ValueError:
        parser.error("--sizes: comma-separated whole numbers")
    if args.sizes and min(args.sizes) < 1:
        parser.error("--sizes: every agency needs an officer")
    if args.sizes:
        args.officers, args.agencies = sum(args.sizes), len(args.sizes)
    if args.officers < args.agencies or args.agencies < 1 or args.runs < 1:
        parser.error("need at least one agency, one officer per agency and one run")
    return args


def database_url(args) -> str:
    return args.database_url or f"sqlite:///{DEFAULT_SQLITE}"


def empty_database(url: str) -> None:
    """Delete the SQLite file, or create the PostgreSQL database and empty its public schema."""
    import dj_database_url

    config = dj_database_url.parse(url)
    engine, name = config["ENGINE"], config["NAME"]
    if engine.endswith("sqlite3"):
        path = Path(name).resolve()
        if path == (ROOT / "db.sqlite3").resolve():
            sys.exit("Refusing to benchmark on the project's db.sqlite3; pick another file.")
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if not engine.endswith("postgresql"):
        sys.exit(f"Unsupported database engine {engine}: use SQLite or PostgreSQL.")
    if "bench" not in name:
        sys.exit(f"Refusing to empty database {name!r}: its name must contain 'bench'.")
    import psycopg
    from psycopg import sql

    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(dbname=name, autocommit=True, **params) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def setup_django(url: str, *, jit_off: bool = False) -> None:
    os.environ["BENCH_DATABASE_URL"] = url
    if jit_off:
        os.environ["BENCH_PG_JIT_OFF"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def shown_command() -> str:
    python = os.path.relpath(sys.executable)
    return shlex.join([sys.executable if python.startswith("..") else python, *sys.argv])


# --- Seeding --------------------------------------------------------------------------------


def agency_sizes(officers: int, agencies: int) -> list[int]:
    """The first agency is the largest (a tenth of everyone); the rest share the remainder."""
    if agencies == 1:
        return [officers]
    largest = max(officers // 10, math.ceil(officers / agencies))
    base, extra = divmod(officers - largest, agencies - 1)
    return [largest] + [base + (1 if i < extra else 0) for i in range(agencies - 1)]


def past_due_count(sizes: list[int]) -> int:
    """How many of the last agencies are past due, so about PAST_DUE_SHARE of people are."""
    if len(sizes) == 1:
        return 0
    typical = statistics.mean(sizes[1:])
    return min(len(sizes) - 1, max(1, round(PAST_DUE_SHARE * sum(sizes) / typical)))


def seed(
    officers: int, agency_count: int, rng: random.Random, sizes: list[int] | None = None
) -> dict:
    """Bulk-create agencies, units, assignments and officers in their training states.

    `sizes` gives each agency's size (bench-01 first) instead of agency_sizes()."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from courses.models import Assignment, CurriculumPage, ModulePage
    from lms import roles
    from lms.models import Agency, Unit

    now = timezone.now()
    today = timezone.localdate(now)
    curriculum = CurriculumPage.objects.live().get()
    modules = list(
        ModulePage.objects.live()
        .child_of(curriculum)
        .select_related("quiz")
        .order_by("number")
        .defer_streamfields()
    )
    sizes = sizes or agency_sizes(officers, agency_count)
    agency_count = len(sizes)
    past_due = past_due_count(sizes)
    with transaction.atomic():
        agencies = Agency.objects.bulk_create(
            [
                Agency(name=f"Bench Police Department {i:02d}", slug=f"bench-{i:02d}")
                for i in range(1, agency_count + 1)
            ]
        )
        units = Unit.objects.bulk_create(
            [Unit(agency=agency, name=name) for agency in agencies for name in UNITS]
        )
        Assignment.objects.bulk_create(
            [
                Assignment(
                    curriculum=curriculum,
                    agency=agency,
                    due_date=today
                    + timedelta(
                        days=-rng.randint(14, 60)
                        if i >= agency_count - past_due
                        else rng.randint(30, 120)
                    ),
                    recertification_months=12,
                )
                for i, agency in enumerate(agencies)
            ]
        )
    units_of = {agency.pk: [u for u in units if u.agency_id == agency.pk] for agency in agencies}
    context = {
        "now": now,
        "curriculum": curriculum,
        "modules": modules,
        "credit_hours": sum(m.credit_hours for m in modules),
        "password": make_password(None),  # unusable, and no hashing per officer
        "user_model": get_user_model(),
    }
    people = [
        (agency, units_of[agency.pk], number)
        for agency, size in zip(agencies, sizes, strict=True)
        for number in range(1, size + 1)
    ]
    totals: dict[str, int] = {}
    for start in range(0, len(people), CHUNK_PEOPLE):
        with transaction.atomic():
            counts = _seed_people(people[start : start + CHUNK_PEOPLE], context, rng)
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
    command = context["user_model"].objects.get(username=f"bench-{agencies[0].slug}-00001")
    command.username = COMMAND_USERNAME
    command.save(update_fields=["username"])
    command.groups.add(Group.objects.get(name=roles.COMMAND_STAFF))
    return {"sizes": sizes, "past_due_agencies": past_due, **totals}


def _seed_people(people: list, ctx: dict, rng: random.Random) -> dict[str, int]:
    from assessments.models import Attempt
    from courses.models import (
        Certificate,
        CurriculumCompletion,
        ModuleCompletion,
        TrainingRecord,
        new_verification_code,
    )
    from lms.models import Person

    now, curriculum, modules = ctx["now"], ctx["curriculum"], ctx["modules"]
    user_model = ctx["user_model"]
    users, persons = [], []
    for agency, units, number in people:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        username = f"bench-{agency.slug}-{number:05d}"
        users.append(
            user_model(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@{agency.slug}.example.org",
                password=ctx["password"],
                date_joined=now,
            )
        )
        category = rng.choices([c for c, _ in CATEGORIES], weights=[w for _, w in CATEGORIES], k=1)[
            0
        ]
        persons.append(
            Person(
                agency_id=agency.pk,
                unit_id=rng.choice(units).pk,
                badge_number=f"{agency.slug[-2:]}-{number:05d}",
                rank=rng.choice(RANKS[category]),
                personnel_category=category,
            )
        )
    user_model.objects.bulk_create(users, batch_size=BATCH_SIZE)
    names = {user.pk: f"{user.first_name} {user.last_name}" for user in users}
    for user, person in zip(users, persons, strict=True):
        person.user_id = user.pk
    Person.objects.bulk_create(persons, batch_size=BATCH_SIZE)

    # Decide each person's state, then write the facts the progress services would have.
    completed, in_progress = [], []  # (person, started_at, completed_at / modules done)
    for person in persons:
        roll = rng.random()
        if roll < COMPLETED_SHARE:
            if rng.random() < EXPIRED_SHARE:
                done_at = now - timedelta(days=rng.randint(380, 500), minutes=rng.randint(0, 1439))
            else:
                done_at = now - timedelta(days=rng.randint(1, 330), minutes=rng.randint(0, 1439))
            completed.append((person, done_at - timedelta(days=rng.randint(3, 25)), done_at))
        elif roll < COMPLETED_SHARE + IN_PROGRESS_SHARE:
            started = now - timedelta(days=rng.randint(1, 90), minutes=rng.randint(0, 1439))
            in_progress.append((person, started, rng.randint(1, len(modules) - 1)))

    completions = CurriculumCompletion.objects.bulk_create(
        [
            CurriculumCompletion(person_id=p.pk, curriculum=curriculum, cycle=1, completed_at=done)
            for p, _, done in completed
        ],
        batch_size=BATCH_SIZE,
    )
    certificates = Certificate.objects.bulk_create(
        [
            Certificate(
                completion_id=completion.pk,
                person_id=p.pk,
                curriculum=curriculum,
                code=new_verification_code(),
                holder_name=names[p.user_id],
                curriculum_title=curriculum.title,
                credit_hours=ctx["credit_hours"],
                issued_at=done,
                expires_at=done + timedelta(days=365),
            )
            for (p, _, done), completion in zip(completed, completions, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )
    records = [
        TrainingRecord(
            person_id=p.pk,
            curriculum=curriculum,
            cycle_started_at=started,
            started_at=started,
            modules_completed=len(modules),
            completed_at=done,
            certificate_id=certificate.pk,
        )
        for (p, started, done), certificate in zip(completed, certificates, strict=True)
    ] + [
        TrainingRecord(
            person_id=p.pk,
            curriculum=curriculum,
            cycle_started_at=started,
            started_at=started,
            modules_completed=count,
        )
        for p, started, count in in_progress
    ]
    TrainingRecord.objects.bulk_create(records, batch_size=BATCH_SIZE)

    # One passed attempt per module with a quiz (sometimes after a failed one), one completion.
    module_done = []  # (person, module, completed_at)
    for p, started, done in completed:
        step = (done - started) / len(modules)
        module_done += [(p, m, started + step * (i + 1)) for i, m in enumerate(modules)]
    for p, started, count in in_progress:
        step = (now - started) / len(modules)
        module_done += [(p, m, started + step * (i + 1)) for i, m in enumerate(modules[:count])]
    attempts, passed = [], []
    for p, module, at in module_done:
        quiz = module.quiz
        if quiz is None:
            passed.append(None)
            continue
        number = 1
        if rng.random() < FAILED_FIRST_SHARE:
            attempts.append(_attempt(quiz, p, 1, at - timedelta(hours=2), rng, passed=False))
            number = 2
        attempts.append(_attempt(quiz, p, number, at, rng, passed=True))
        passed.append(attempts[-1])
    Attempt.objects.bulk_create(attempts, batch_size=BATCH_SIZE)
    ModuleCompletion.objects.bulk_create(
        [
            ModuleCompletion(
                person_id=p.pk,
                module_id=module.pk,
                attempt_id=attempt.pk if attempt else None,
                cycle=1,
                completed_at=at,
            )
            for (p, module, at), attempt in zip(module_done, passed, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )
    return {
        "people": len(persons),
        "completed": len(completed),
        "in_progress": len(in_progress),
        "module_completions": len(module_done),
        "attempts": len(attempts),
    }


def _attempt(quiz, person, number: int, submitted_at, rng: random.Random, *, passed: bool):
    from assessments.models import Attempt

    score = rng.randint(quiz.pass_mark, 100) if passed else rng.randint(30, quiz.pass_mark - 1)
    return Attempt(
        quiz_id=quiz.pk,
        user_id=person.user_id,
        number=number,
        questions=[],
        pass_mark=quiz.pass_mark,
        started_at=submitted_at - timedelta(minutes=rng.randint(5, 25)),
        submitted_at=submitted_at,
        answers={},
        correct_count=score // 10,
        score=score,
        passed=passed,
    )


def rebuild_tallies() -> None:
    """Bulk-seeded facts bypass the rules that keep the report's tallies: rebuild them."""
    from courses.progress import tally

    tally.rebuild()


def seed_demo() -> None:
    """Run seed_demo for the curriculum and roles; without its demo progress if that fails.

    The demo progress walks eleven learners through the progress services. On PostgreSQL it
    once failed (training_record() locked with select_related("certificate"): FOR UPDATE of
    a nullable outer join; it no longer joins it); the fallback stays, since the benchmark
    needs only the curriculum and the roles.
    """
    from unittest import mock

    from django.core.management import call_command
    from django.db import NotSupportedError

    from authoring.management.commands.seed_demo import Command

    password = secrets.token_urlsafe(16)
    try:
        call_command("seed_demo", password=password, verbosity=0)
    except NotSupportedError as error:  # seed_demo is atomic: nothing of it was kept
        print(f"seed_demo failed ({error}); seeding again without its demo progress.")
        with mock.patch.object(Command, "_demo_progress", return_value=0):
            call_command("seed_demo", password=password, verbosity=0)


def prepare(args, url: str, sizes: list[int] | None = None) -> None:
    """Empty the database, migrate, seed_demo, bulk-seed; print what was made and how fast."""
    empty_database(url)
    os.environ["BENCH_SQLITE_NO_SYNC"] = "1"  # this process only; the measuring one syncs
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter()
    seed_demo()
    demo = time.perf_counter()
    made = seed(args.officers, args.agencies, random.Random(args.seed), sizes or args.sizes)
    seeded = time.perf_counter()
    rebuild_tallies()
    rebuilt = time.perf_counter()
    if not args.no_analyze:
        # Planner statistics, as autovacuum keeps them on PostgreSQL. SQLite has none until
        # someone runs ANALYZE; --no-analyze seeds without them.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    sizes = made["sizes"]
    print(
        f"Seeded {made['people']:,} officers in {len(sizes)} agencies "
        f"(bench-01: {sizes[0]:,}; others {min(sizes[1:], default=0):,}–"
        f"{max(sizes[1:], default=0):,}; {made['past_due_agencies']} past due): "
        f"{made['completed']:,} completed, {made['in_progress']:,} in progress, "
        f"{made['module_completions']:,} module completions, {made['attempts']:,} attempts."
    )
    print(
        f"Time: migrate {migrated - started:.1f} s, seed_demo {demo - migrated:.1f} s, "
        f"bulk seed {seeded - demo:.1f} s, report tallies rebuilt {rebuilt - seeded:.1f} s, "
        f"analyze {time.perf_counter() - rebuilt:.1f} s."
    )
    connection.close()


# --- Measuring ------------------------------------------------------------------------------


def rss_mb() -> float:
    """Resident memory now (Linux /proc), else the peak so far (getrusage)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (2**20 if sys.platform == "darwin" else 2**10)


def timed(fn, runs: int) -> tuple[float, int, object]:
    """Median milliseconds over `runs` after one warm-up, the most queries of a run, a result."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = fn()
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = fn()
            times.append((time.perf_counter() - started) * 1000)
        queries = max(queries, len(captured))
    return statistics.median(times), queries, result


def stream(chunks) -> dict:
    """Drain a CSV stream into a counting sink: seconds, rows, bytes, RSS growth, queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gc.collect()
    before = peak = rss_mb()
    lines = size = 0
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        for chunk in chunks():
            data = chunk.encode() if isinstance(chunk, str) else chunk
            size += len(data)
            lines += data.count(b"\n")
            if lines % RSS_SAMPLE_EVERY == 0:
                peak = max(peak, rss_mb())
        seconds = time.perf_counter() - started
    peak = max(peak, rss_mb())
    queries = len(captured)  # now: the next request would clear Django's query log
    gc.collect()
    tracemalloc.start()
    for _chunk in chunks():
        pass
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "seconds": seconds,
        "rows": lines - 1,
        "bytes": size,
        "rss_mb": peak - before,
        "traced_mb": traced_peak / 2**20,
        "queries": queries,
    }


def explain(label: str, fn) -> None:
    """Run fn once, then run each of its SELECTs again to the last row: time and plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    print(f"\n-- {label}: {len(captured)} queries")
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    for query in captured:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql)
            rows = len(cursor.fetchall())
            ms = (time.perf_counter() - started) * 1000
            print(f"\n[{ms:8.1f} ms, {rows:,} rows] {sql[:150]}{'…' if len(sql) > 150 else ''}")
            if ms < 5:
                continue
            print(f"    {sql}")
            cursor.execute(prefix + sql)
            for row in cursor.fetchall():
                print("    " + " | ".join(str(col) for col in row))


def has_statistics(connection) -> bool:
    """Whether ANALYZE has run: the planner knows table sizes and index selectivity."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        else:
            cursor.execute(
                "SELECT 1 FROM pg_stat_user_tables WHERE relname = 'assessments_attempt' "
                "AND coalesce(last_analyze, last_autoanalyze) IS NOT NULL"
            )
        return cursor.fetchone() is not None


class Bench:
    """The seeded curriculum, the largest agency's command user and both scopes of rows."""

    def __init__(self):
        from django.contrib.auth import get_user_model
        from django.db.models import Count
        from rest_framework.test import APIClient

        from courses.models import CurriculumPage
        from courses.progress.selectors import modules_total
        from lms.models import Agency

        self.user_model = get_user_model()
        self.command_id = self.user_model.objects.get(username=COMMAND_USERNAME).pk
        self.agency = (
            Agency.objects.filter(slug__startswith="bench-")
            .annotate(n=Count("people"))
            .order_by("-n", "slug")
            .first()
        )
        self.curriculum = CurriculumPage.objects.live().get()
        self.modules_total = modules_total(self.curriculum)
        self.client = APIClient()

    def command_user(self):
        """A fresh user, as a session or token would load it: its permissions are read too."""
        return self.user_model.objects.get(pk=self.command_id)

    def rows(self, scope: str):
        from courses.progress.cycle import completion_rows
        from lms.models import Person
        from oversight.reports import completion_report

        if scope == "agency":
            return completion_report(
                viewer=self.command_user(), filters={"curriculum": self.curriculum}
            )
        return completion_rows(people=Person.objects.all(), curriculum=self.curriculum)

    def api_page(self, page: int, page_size: int = PAGE_SIZE) -> dict:
        from django.urls import reverse

        self.client.force_authenticate(self.command_user())
        response = self.client.get(
            reverse("api-report-completion"), {"page": page, "page_size": page_size}
        )
        assert response.status_code == 200, (response.status_code, response.content[:200])
        return response.json()

    def all_page(self, page: int) -> bytes:
        """CompletionReportView.get without the agency scope: count, page, serialise, render."""
        from rest_framework.renderers import JSONRenderer
        from rest_framework.request import Request
        from rest_framework.test import APIRequestFactory

        from courses.progress.selectors import modules_total
        from oversight.api import ReportPagination
        from oversight.serializers import CompletionRowSerializer

        request = Request(APIRequestFactory().get("/api/v1/reports/completion/", {"page": page}))
        paginator = ReportPagination()
        rows = paginator.paginate_queryset(self.rows("all"), request)
        context = {"modules_total": modules_total(self.curriculum)}
        data = CompletionRowSerializer(rows, many=True, context=context)
        return JSONRenderer().render(paginator.get_paginated_response(data.data).data)

    def csv_chunks(self, scope: str):
        """The agency's CSV through the API view; everyone's straight from the generator."""
        from django.urls import reverse

        from oversight.exports import completion_csv_lines

        if scope == "all":
            return completion_csv_lines(self.rows("all"), self.modules_total)
        self.client.force_authenticate(self.command_user())
        response = self.client.get(reverse("api-report-completion-csv"))
        assert response.status_code == 200, response.status_code
        return response.streaming_content


def measure_csv(scope: str) -> None:
    """In a process of its own, so RSS growth is this stream's: print its figures as JSON."""
    bench = Bench()
    bench.api_page(1, page_size=1)  # warm up imports, URL resolving, DRF, the serializer
    lines = bench.csv_chunks("all")  # and the CSV path, for a line or two
    next(lines), next(lines)
    lines.close()
    print(json.dumps(stream(lambda: bench.csv_chunks(scope))))


def csv_in_child(scope: str, args, url: str) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--csv-scope", scope]
    command += ["--database-url", url] + (["--jit-off"] if args.jit_off else [])
    done = subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def command_staff_by_size() -> dict[int, object]:
    """A command-staff user for each bench agency, keyed by its size (made on first use)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models import Count

    from lms import roles
    from lms.models import Agency, Person

    group = Group.objects.get(name=roles.COMMAND_STAFF)
    users = {}
    agencies = Agency.objects.filter(slug__startswith="bench-").annotate(n=Count("people"))
    for agency in agencies.order_by("-n"):
        person = (
            Person.objects.filter(agency=agency, user__groups=group).select_related("user").first()
            or Person.objects.filter(agency=agency).select_related("user").order_by("pk").first()
        )
        person.user.groups.add(group)
        users.setdefault(agency.n, get_user_model().objects.get(pk=person.user_id))
    return users


def scaling(runs: int) -> list[dict]:
    """The report page (/oversight/, rendered: the page cache's content version renewed
    before each request) and the report API's first page, for each agency size."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from lms.page_cache import content_changed

    figures = []
    for size, user in sorted(command_staff_by_size().items()):
        client = Client()
        client.force_login(user)
        timings = {"size": size}
        for name, path in (
            ("page", reverse("oversight-dashboard")),
            ("api", reverse("api-report-completion")),
        ):
            times, queries = [], 0
            for run in range(runs + 1):  # the first warms up
                content_changed()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(path)
                    elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (path, response.status_code)
                if run:
                    times.append(elapsed)
                    queries = max(queries, len(captured))
            timings[f"{name}_ms"], timings[f"{name}_queries"] = statistics.median(times), queries
        figures.append(timings)
    return figures


def print_scaling(figures: list[dict]) -> None:
    print("\nReport page by agency size (rendered in-process through the test client, median):")
    for f in figures:
        print(
            f"  {f['size']:>7,} officers: report page {f['page_ms']:8.1f} ms "
            f"({f['page_queries']} queries), API page 1 {f['api_ms']:7.1f} ms "
            f"({f['api_queries']} queries)"
        )
    if len(figures) > 1:
        small, large = figures[0], figures[-1]
        print(
            f"  ratio {large['size']:,} / {small['size']:,}: report page "
            f"{large['page_ms'] / small['page_ms']:.2f}x, API page 1 "
            f"{large['api_ms'] / small['api_ms']:.2f}x (target: report page ≤ 1.5x)"
        )


def measure(args, url: str) -> None:
    from django.db import connection

    from oversight.reports import Status, dashboard, dashboard_from_facts

    load_before = os.getloadavg()[0]
    bench = Bench()
    totals = {scope: bench.rows(scope).count() for scope in ("agency", "all")}
    scopes = {
        "agency": f"{bench.agency.slug} ({totals['agency']:,})",
        "all": f"all people ({totals['all']:,})",
    }
    csv_results = {scope: csv_in_child(scope, args, url) for scope in ("agency", "all")}
    results = []  # (measurement, scope, time, queries, rows, RSS growth, tracemalloc peak)

    for scope, page_fn, how in (
        ("agency", bench.api_page, "report API"),
        ("all", bench.all_page, "report selector+serializer"),
    ):
        middle = max(1, math.ceil(totals[scope] / PAGE_SIZE) // 2)
        for page in (1, middle):
            ms, queries, _ = timed(lambda page=page, fn=page_fn: fn(page), args.runs)
            label = f"{how}, page {page}" + (" (middle)" if page != 1 else "")
            results.append((label, scopes[scope], f"{ms:,.0f} ms", queries, PAGE_SIZE, "", ""))

    counts = {}
    command = bench.command_user()
    ms, queries, board = timed(
        lambda: dashboard(viewer=command, filters={"curriculum": bench.curriculum}), args.runs
    )
    counts["agency"] = board.status_counts
    total = sum(board.status_counts.values())
    results.append(("dashboard() (tallies)", scopes["agency"], f"{ms:,.0f} ms", queries, total))
    results[-1] += ("", "")
    for scope in ("agency", "all"):
        rows = bench.rows(scope)  # scoped before the clock starts, as the view has done
        ms, queries, board = timed(
            lambda rows=rows: dashboard_from_facts(rows=rows, curriculum=bench.curriculum),
            args.runs,
        )
        if scope == "all":
            counts[scope] = board.status_counts
        elif board.status_counts != counts["agency"]:
            print(f"MISMATCH: tallies {counts['agency']} != facts {board.status_counts}")
        total = sum(board.status_counts.values())
        label = "dashboard_from_facts()"
        results.append((label, scopes[scope], f"{ms:,.0f} ms", queries, total, "", ""))

    for scope in ("agency", "all"):
        r = csv_results[scope]
        how = "CSV via API, streamed" if scope == "agency" else "CSV lines, streamed"
        results.append(
            (
                how,
                scopes[scope],
                f"{r['seconds']:.2f} s",
                r["queries"],
                r["rows"],
                f"{r['rss_mb']:+.1f} MB",
                f"{r['traced_mb']:.1f} MB",
            )
        )

    vendor = connection.vendor
    version = (
        connection.Database.sqlite_version
        if vendor == "sqlite"
        else ".".join(str(connection.pg_version // f % 100) for f in (10000, 1))
    )
    about = [
        f"{connection.display_name} {version}",
        f"{os.cpu_count()} CPUs",
        f"load average {load_before:.1f} → {os.getloadavg()[0]:.1f}",
        "planner statistics " + ("present" if has_statistics(connection) else "ABSENT"),
    ]
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            about.append(f"jit {cursor.fetchone()[0]}")
    about.append(f"median of {args.runs} run{'s' if args.runs > 1 else ''} (CSV: one run)")
    print("\nCompletion report benchmark: " + ", ".join(about))
    header = ("Measurement", "Scope", "Time", "Queries", "Rows", "RSS growth", "tracemalloc")
    widths = [max(len(str(row[i])) for row in [header, *results]) for i in range(len(header))]
    rule = "  ".join("-" * w for w in widths)

    def line(row) -> str:
        cells = [
            str(cell).ljust(width)
            if i < 2
            else f"{cell:,}".rjust(width)
            if isinstance(cell, int)
            else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    print("\n".join([rule, line(header), rule, *(line(row) for row in results), rule]))
    for scope in ("agency", "all"):
        mix = ", ".join(f"{Status.LABELS[s].lower()} {counts[scope][s]:,}" for s in Status.ALL)
        print(f"Status mix, {scopes[scope]}: {mix}")
    mib = csv_results["all"]["bytes"] / 2**20
    print(f"All-people CSV: {mib:.1f} MiB.")
    print_scaling(scaling(args.runs))

    if args.explain:
        middle = max(1, math.ceil(totals["agency"] / PAGE_SIZE) // 2)
        explain(f"report API page {middle}, {scopes['agency']}", lambda: bench.api_page(middle))
        explain(
            f"dashboard(), {scopes['agency']}",
            lambda: dashboard(viewer=command, filters={"curriculum": bench.curriculum}),
        )
        middle = max(1, math.ceil(totals["all"] / PAGE_SIZE) // 2)
        explain(f"report page {middle}, {scopes['all']}", lambda: bench.all_page(middle))


def main(argv=None) -> None:
    args = parse_args(argv)
    url = database_url(args)
    if args.csv_scope:
        setup_django(url, jit_off=args.jit_off)
        measure_csv(args.csv_scope)
        return
    if args.reuse or args.child:
        setup_django(url, jit_off=args.jit_off)
        if args.reuse:  # the code may have moved on since the database was seeded
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=0)
        measure(args, url)
    else:
        prepare(args, url)
        # Measure in a fresh process: seeding's freed memory would hide the stream's growth.
        child = [sys.executable, str(Path(__file__).resolve()), "--child", "--database-url", url]
        child += ["--runs", str(args.runs)] + (["--explain"] if args.explain else [])
        child += ["--jit-off"] if args.jit_off else []
        env = {k: v for k, v in os.environ.items() if k != "BENCH_SQLITE_NO_SYNC"}
        subprocess.run(child, check=True, cwd=ROOT, env=env)
    if not args.child:
        print(f"Command: {shown_command()}")


if __name__ == "__main__":
    main()
