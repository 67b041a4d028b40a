"""Load-test the real server against its floors: `make bench` (bench/README.md).

    .venv/bin/python bench/http_bench.py [--duration 5] [--connections 4] [--sqlite-only]
                                         [--pg-url postgres://postgres@127.0.0.1:5432/bench_http]

For SQLite and, when it answers, PostgreSQL (a database whose name contains "bench"), each in a
process of its own: seed agencies of 50,000, 5,000 and 500 officers with report_bench's seeding
(kept between runs while the seeding code and the migrations are unchanged), start gunicorn
(2 sync workers, bench.settings: base settings, DEBUG off) on 127.0.0.1, drive every endpoint
with wrk for --duration seconds, count each endpoint's SQL queries in-process with
CaptureQueriesContext on the same URL and user, sample the workers' RSS while the 50,000-row
CSV streams, time the report at each agency size, stop gunicorn and print one table.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from argparse import Namespace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import report_bench  # noqa: E402 (after the path is set)
from bench.private_cache import private_shared_cache  # noqa: E402

SIZES = [50_000, 5_000, 500]  # bench-01, bench-02, bench-03
REPORT_AGENCY = "bench-02"  # the report page is measured on the agency of 5,000
CSV_AGENCY = "bench-01"  # the CSV on the agency of 50,000
ATTEMPT_LEARNERS = 1000  # each may start every module's quiz once per run
SQLITE_PATH = Path(
    os.environ.get("BENCH_SQLITE_PATH")
    or Path(tempfile.gettempdir()) / "common-ground-http-bench.sqlite3"
)
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/bench_http"
SEED_VERSION = "1"  # bump when the fixtures below change shape

# (key, label, floor it is compared with, target ratio)
ENDPOINTS = [
    ("floor", "anonymous floor (constant view)", None, None),
    ("signed_in_floor", "signed-in floor (same, login_required)", "floor", 0.45),
    ("write_floor", "write floor (same, + 1 row inserted, POST)", "signed_in_floor", None),
    ("home", "home page, anonymous", "floor", 0.8),
    ("verify", "certificate verification, public", "floor", 0.8),
    ("lesson", "lesson page, signed in", "signed_in_floor", 0.8),
    ("my_training", "My training", "signed_in_floor", 0.6),
    ("lesson_rendered", "lesson page, rendered (issue 18)", "signed_in_floor", 0.25),
    ("module_rendered", "module page, rendered", "signed_in_floor", 0.2),
    ("my_training_rendered", "My training, rendered", "signed_in_floor", 0.2),
    ("attempt_start", "quiz attempt start (API)", "write_floor", 0.3),  # issue 18
    ("attempt_submit", "quiz attempt submit (API)", "write_floor", 0.5),
    ("certificate_pdf", "certificate PDF", "signed_in_floor", None),
    ("report", "report page, agency of 5,000", "signed_in_floor", 0.3),
    ("csv", "report CSV, 50,000 rows", "signed_in_floor", None),
]
FLOORS = ("floor", "signed_in_floor")
WRITE_FLOOR_PATH = "/bench/floor/write/"
PAGE_CACHED = {"signed_in_floor", "home", "verify", "lesson", "my_training", "report"}
# Rendered pages (issue 18): RENDER_READERS officers of REPORT_AGENCY, each reading every page
# of the row in turn; every request carries a query string, which the page cache never serves.
RENDERED = ("lesson_rendered", "module_rendered", "my_training_rendered")
RENDER_READERS = 200
PDF_MEDIAN_MS = 50
CSV_RSS_MB = 50


# --- Orchestration (no Django in this process) -------------------------------------------------


def parse_args(argv=None) -> Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="wrk seconds per endpoint")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--only", help="comma-separated endpoint keys to load (default all)")
    parser.add_argument("--database-url", help=argparse.SUPPRESS)  # a child's database
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def wrk_path() -> str:
    path = shutil.which("wrk")
    if not path:
        sys.exit("wrk is not installed: `apt-get install wrk` (as root), then `make bench` again.")
    return path


def postgres_reachable(url: str) -> bool:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    try:
        psycopg.connect(
            dbname="postgres",
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            connect_timeout=3,
        ).close()
    except psycopg.Error:
        return False
    return True


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.database_url:
        child(args)
        return
    wrk_path()
    urls = [f"sqlite:///{SQLITE_PATH}"]
    if not args.sqlite_only:
        if postgres_reachable(args.pg_url):
            urls.append(args.pg_url)
        else:
            print(f"PostgreSQL at {args.pg_url} does not answer: SQLite only.")
    results = []
    started = time.monotonic()
    for url in urls:
        with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
            command = [sys.executable, str(Path(__file__).resolve()), "--database-url", url]
            command += ["--json-out", out.name, "--duration", str(args.duration)]
            command += ["--connections", str(args.connections), "--workers", str(args.workers)]
            command += ["--only", args.only] if args.only else []
            subprocess.run(command, check=True, cwd=ROOT)
            results.append(json.load(out))
    for result in results:
        print_table(result, args)
    print(f"\nTotal {time.monotonic() - started:.0f} s. Command: {report_bench.shown_command()}")


def print_table(result: dict, args: Namespace) -> None:
    rows = result["rows"]
    header = ("endpoint", "req/s", "p50 ms", "p99 ms", "SQL/req", "ratio", "target", "errors")
    table = []
    for key, label, floor, target in ENDPOINTS:
        row = rows.get(key)
        if row is None:
            continue
        ratio = row["rps"] / rows[floor]["rps"] if floor and floor in rows else None
        goal = ""
        if target is not None and ratio is not None:
            goal = f"≥ {target:.2f} {'ok' if ratio >= target else 'MISSED'}"
        if key == "certificate_pdf":
            goal = f"p50 < {PDF_MEDIAN_MS} ms {'ok' if row['p50'] < PDF_MEDIAN_MS else 'MISSED'}"
        floor_name = {"floor": "anon", "signed_in_floor": "signed-in", "write_floor": "write"}
        floor_name = floor_name.get(floor, "")
        table.append(
            (
                label,
                f"{row['rps']:,.0f}" if row["rps"] >= 10 else f"{row['rps']:.1f}",
                f"{row['p50']:.1f}",
                f"{row['p99']:.1f}",
                str(row["queries"]),
                f"{ratio:.2f} of {floor_name}" if ratio is not None else "",
                goal,
                str(row["errors"]) if row["errors"] else "",
            )
        )
    widths = [max(len(r[i]) for r in [header, *table]) for i in range(len(header))]
    rule = "  ".join("-" * w for w in widths)
    print(f"\n{result['about']}")
    print(rule)
    for row in [header, None, *table]:
        if row is None:
            print(rule)
            continue
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    print(rule)
    start, submit = rows.get("attempt_start"), rows.get("attempt_submit")
    if start and submit:
        print(
            f"Attempts through the API, each (learner, quiz) pair and each attempt once: "
            f"{start['requests']:,} starts of {start['prepared']:,} pairs, then "
            f"{submit['requests']:,} submits of {submit['prepared']:,} open attempts."
        )
    csv = result.get("csv_rss")
    if csv:
        verdict = "ok" if csv["growth_mb"] < CSV_RSS_MB else "MISSED"
        print(
            f"CSV export ({csv['rows']:,} rows, {csv['mib']:.1f} MiB, {csv['seconds']:.2f} s): "
            f"worker peak RSS {csv['peak_mb']:.0f} MB, growth {csv['growth_mb']:+.1f} MB "
            f"(target < {CSV_RSS_MB} MB: {verdict})"
        )
    scaling = result.get("scaling")
    if scaling:
        print("Completion report by agency size (median of 3 over HTTP, one worker busy):")
        for size, figures in scaling.items():
            print(
                f"  {int(size):>6,} officers: report page {figures['page_ms']:7.1f} ms "
                f"({figures['page_queries']} queries), CSV {figures['csv_ms']:8.1f} ms"
            )


# --- One database, in a process of its own --------------------------------------------------


def fingerprint() -> str:
    """Changes when the seeding code, the fixtures or any migration changes."""
    digest = hashlib.sha256(f"{SIZES}{SEED_VERSION}".encode())
    digest.update((ROOT / "bench" / "report_bench.py").read_bytes())
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
    return digest.hexdigest()[:16]


def marker_path(url: str) -> Path:
    name = re.sub(r"[^A-Za-z0-9]+", "-", url.split("/")[-1])
    return Path(tempfile.gettempdir()) / f"common-ground-http-bench-{name}.seeded"


def ensure_seeded(url: str) -> None:
    """Seed once; later runs reuse the database while fingerprint() is unchanged."""
    marker = marker_path(url)
    present = url.startswith("postgres") or SQLITE_PATH.exists()
    if present and marker.exists() and marker.read_text() == fingerprint():
        report_bench.setup_django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # apps added since (their migrations aren't hashed)
        print(f"Reusing the seeded database {url} (delete {marker} to reseed).")
        return
    marker.unlink(missing_ok=True)
    print(f"Seeding {url} with agencies of {', '.join(f'{s:,}' for s in SIZES)} officers…")
    args = Namespace(officers=sum(SIZES), agencies=len(SIZES), seed=42, no_analyze=False)
    report_bench.prepare(args, url, SIZES)
    marker.write_text(fingerprint())


def child(args: Namespace) -> None:
    with private_shared_cache():
        measure_database(args, args.database_url)


def measure_database(args: Namespace, url: str) -> None:
    ensure_seeded(url)
    from lms.page_cache import content_changed

    content_changed()  # the shared page cache may hold another database's pages
    fixtures = Fixtures()
    fixtures.reset_attempts()  # a run leaves attempts open
    queries = fixtures.count_queries()
    fixtures.reset_attempts()
    only = set(args.only.split(",")) if args.only else None
    with Server(url, args.workers) as server:
        load = Load(server, fixtures, args)
        rows, csv_rss, floor_runs = {}, None, {key: [] for key in FLOORS}
        for key, *_ in ENDPOINTS:
            if only and key not in only and key not in FLOORS:
                continue
            if key == "csv":  # the first export by these workers: their RSS growth
                csv_rss = load.csv_rss()
            if key == "attempt_start":  # the floors again halfway
                for floor in FLOORS:
                    floor_runs[floor].append(load.run(floor))
            rows[key] = {**load.run(key), "queries": queries.get(key, "")}
            if key in FLOORS:
                floor_runs[key].append(rows[key])
        for key in FLOORS:  # and at the end: the load on a shared machine drifts
            floor_runs[key].append(load.run(key))
            runs = sorted(floor_runs[key], key=lambda run: run["rps"])
            rows[key].update(runs[len(runs) // 2])  # the median run
        scaling = load.scaling() if not only or "report" in only else None
    from django.db import connection

    about = (
        f"{connection.display_name} · gunicorn {args.workers} sync workers · wrk "
        f"{args.connections} connections, {args.duration} s per endpoint · "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    Path(args.json_out).write_text(
        json.dumps({"about": about, "rows": rows, "csv_rss": csv_rss, "scaling": scaling})
    )


class Fixtures:
    """The users, pages and codes the endpoints need, made once in the seeded database."""

    def __init__(self):
        from django.contrib.auth import get_user_model
        from django.db.models import Q
        from django.utils import timezone

        from courses.models import Certificate, CurriculumPage, LessonPage, ModulePage
        from lms.models import Agency

        self.user_model = get_user_model()
        self.curriculum = CurriculumPage.objects.live().get()
        self.modules = list(
            ModulePage.objects.live()
            .child_of(self.curriculum)
            .filter(quiz__isnull=False)
            .order_by("number")
        )
        self.agencies = {a.slug: a for a in Agency.objects.filter(slug__startswith="bench-")}
        self.commands = {
            slug: self._command(agency, size)
            for (slug, agency), size in zip(sorted(self.agencies.items()), SIZES, strict=True)
        }
        report = self.agencies[REPORT_AGENCY]
        # A learner part-way through: the lesson page and My training.
        self.learner = self.user_model.objects.filter(
            person__agency=report,
            person__training_records__completed_at__isnull=True,
            person__training_records__modules_completed__gte=3,
        ).order_by("pk")[0]
        third = self.modules[len(self.modules) // 2]
        self.lesson = LessonPage.objects.live().child_of(third).order_by("path")[1]
        self.certificate = (
            Certificate.objects.filter(person__agency=report, revoked_at__isnull=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
            .order_by("pk")
            .select_related("person__user")
            .first()
        )
        self.attempt_learners = self._attempt_learners(report)

    def _command(self, agency, size: int):
        """Command staff of `agency` (bench-01's was made by report_bench.seed)."""
        from django.contrib.auth.models import Group

        from lms import roles

        if agency.slug == "bench-01":
            return self.user_model.objects.get(username=report_bench.COMMAND_USERNAME)
        username = f"{report_bench.COMMAND_USERNAME}-{agency.slug}"
        user = self.user_model.objects.filter(username=username).first()
        if user is None:
            user = self.user_model.objects.get(username=f"bench-{agency.slug}-00001")
            user.username = username
            user.save(update_fields=["username"])
            user.groups.add(Group.objects.get(name=roles.COMMAND_STAFF))
        return user

    def _attempt_learners(self, agency) -> list:
        """Learners who have read every lesson and hold an API token, made once: not-started
        officers on the first run, the same ones (by their token) afterwards."""
        from django.db.models import Q
        from rest_framework.authtoken.models import Token

        from courses.models import LessonPage, LessonProgress

        learners = list(
            self.user_model.objects.filter(person__agency=agency)
            .filter(Q(auth_token__isnull=False) | Q(person__training_records__isnull=True))
            .exclude(pk__in=[u.pk for u in self.commands.values()])
            .select_related("person")
            .distinct()  # a learner with a token may have several training records by now
            .order_by("-pk")[:ATTEMPT_LEARNERS]
        )
        known = set(Token.objects.filter(user__in=learners).values_list("user_id", flat=True))
        lessons = list(LessonPage.objects.live().descendant_of(self.curriculum))
        fresh = [u for u in learners if u.pk not in known]
        LessonProgress.objects.bulk_create(
            [LessonProgress(person=u.person, lesson=lesson) for u in fresh for lesson in lessons],
            ignore_conflicts=True,
        )
        Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in fresh])
        tokens = dict(Token.objects.filter(user__in=learners).values_list("user_id", "key"))
        return [(u, tokens[u.pk]) for u in learners]

    def reset_attempts(self) -> None:
        """Give the attempt learners their attempts back (every submit fails: nothing else)."""
        from assessments.models import Attempt

        Attempt.objects.filter(user__in=[u for u, _ in self.attempt_learners]).delete()

    def session_cookie(self, user) -> str:
        """The cookies a signed-in browser sends: the session and the CSRF cookie."""
        client = self.client(user)
        return "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())

    @staticmethod
    def client(user):
        """A test client signed in as `user`, holding a CSRF cookie as a browser does."""
        from django.conf import settings
        from django.middleware.csrf import _get_new_csrf_string
        from django.test import Client

        client = Client()
        if user is not None:
            client.force_login(user)
            client.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
        return client

    def urls(self) -> dict[str, tuple[str, object]]:
        """Each GET endpoint: (path, user or None)."""
        from django.urls import reverse

        code = self.certificate.code
        return {
            "floor": ("/bench/floor/", None),
            "signed_in_floor": ("/bench/floor/signed-in/", self.learner),
            "home": ("/", None),
            "verify": (reverse("certificate-verify", args=[code]), None),
            "lesson": (self.lesson.url, self.learner),
            "my_training": (reverse("my-training"), self.learner),
            "certificate_pdf": (
                reverse("certificate-pdf", args=[code]),
                self.certificate.person.user,
            ),
            "report": (reverse("oversight-dashboard"), self.commands[REPORT_AGENCY]),
            "csv": (reverse("oversight-csv"), self.commands[CSV_AGENCY]),
        }

    def count_queries(self) -> dict[str, str]:
        """SQL per request, in this process with the server's settings: the fourth request to
        each URL (served from the page cache where a page is cached), and in brackets the
        second, which renders the page (the first ones register it with the cache)."""
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        counts = {}
        for key, (path, user) in self.urls().items():
            client = self.client(user)
            seen = []
            for _ in range(4 if key in PAGE_CACHED else 2):
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(path)
                    if response.streaming:
                        b"".join(response.streaming_content)
                assert response.status_code == 200, (key, path, response.status_code)
                seen.append(len(captured))
            counts[key] = str(seen[-1]) if seen[1] == seen[-1] else f"{seen[-1]} ({seen[1]})"
        counts.update(self.count_rendered_queries())
        client = self.client(self.learner)
        with CaptureQueriesContext(connection) as captured:
            response = client.post(WRITE_FLOOR_PATH)
        assert response.status_code == 200, response.status_code
        counts["write_floor"] = str(len(captured))
        module = self.modules[-1]
        # A worker under load has served this quiz before: what every learner shares (the
        # quiz's questions, the module's lessons) is kept; this learner is new to it.
        _, warm = self.attempt_learners[-2]
        Client(HTTP_AUTHORIZATION=f"Token {warm}").post(
            f"/api/v1/quizzes/{module.quiz_id}/attempts/"
        )
        user, token = self.attempt_learners[-1]
        client = Client(HTTP_AUTHORIZATION=f"Token {token}")
        with CaptureQueriesContext(connection) as captured:
            response = client.post(f"/api/v1/quizzes/{module.quiz_id}/attempts/")
        assert response.status_code == 201, response.content
        counts["attempt_start"] = str(len(captured))
        attempt_id = response.json()["id"]
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                f"/api/v1/attempts/{attempt_id}/submit/",
                {"answers": {}},
                content_type="application/json",
            )
        assert response.status_code == 200, response.content
        counts["attempt_submit"] = str(len(captured))
        return counts

    # --- Rendered pages (issue 18) ---------------------------------------------------------

    def readers(self) -> list:
        """RENDER_READERS officers of the report agency (not its command staff, not the
        attempt learners), made once."""
        if not hasattr(self, "_readers"):
            skip = [u.pk for u in self.commands.values()] + [u.pk for u, _ in self.attempt_learners]
            self._readers = list(
                self.user_model.objects.filter(person__agency=self.agencies[REPORT_AGENCY])
                .exclude(pk__in=skip)
                .order_by("pk")[:RENDER_READERS]
            )
        return self._readers

    def rendered_pages(self, key: str) -> list[str]:
        """The pages a rendered row rotates through: every live lesson, every live module, or
        My training."""
        from django.urls import reverse

        from courses.models import LessonPage, ModulePage

        if key == "my_training_rendered":
            return [reverse("my-training")]
        model = LessonPage if key == "lesson_rendered" else ModulePage
        pages = model.objects.live().descendant_of(self.curriculum).order_by("path")
        return [page.url for page in pages]

    def count_rendered_queries(self) -> dict[str, str]:
        """SQL of a first view of each rendered row's page by an officer who has signed in and
        seen My training (what a worker keeps about them is loaded then), after another officer
        has viewed it (what it keeps for every learner: the page itself), in this process."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        counts = {}
        first_reader = self.client(self.readers()[0])
        for key, reader in zip(RENDERED, self.readers()[-len(RENDERED) :], strict=True):
            first_reader.get(self.rendered_pages(key)[-1] + "?before")
            client = self.client(reader)
            client.get("/training/?warm")
            with CaptureQueriesContext(connection) as captured:
                response = client.get(self.rendered_pages(key)[-1] + "?first")
            assert response.status_code == 200, (key, response.status_code)
            counts[key] = str(len(captured))
        return counts

    def open_remaining_attempts(self) -> None:
        """Open an attempt, as a start would, for each (learner, quiz) pair the start phase did
        not reach: the submit phase must not run out of attempts before its time is up."""
        import random

        from django.utils import timezone

        from assessments.models import Attempt
        from assessments.services import quiz_snapshot

        users = [u for u, _ in self.attempt_learners]
        started = set(
            Attempt.objects.filter(user__in=users, submitted_at=None).values_list(
                "user_id", "quiz_id"
            )
        )
        rng, now = random.Random(42), timezone.now()
        quizzes = [(m.quiz, quiz_snapshot(quiz=m.quiz, rng=rng)) for m in self.modules]
        Attempt.objects.bulk_create(
            (
                Attempt(
                    quiz=quiz,
                    user=user,
                    number=1,
                    questions=questions,
                    pass_mark=quiz.pass_mark,
                    quiz_revision_id=quiz.live_revision_id,
                    started_at=now,
                )
                for user in users
                for quiz, questions in quizzes
                if (user.pk, quiz.pk) not in started
            ),
            ignore_conflicts=True,
        )  # a start still in flight when wrk stopped may commit now

    def open_attempts(self) -> list[tuple[str, int]]:
        from assessments.models import Attempt

        tokens = {u.pk: token for u, token in self.attempt_learners}
        return [
            (tokens[user_id], pk)
            for user_id, pk in Attempt.objects.filter(
                user_id__in=tokens, submitted_at__isnull=True
            ).values_list("user_id", "pk")
        ]


class Server:
    """gunicorn on a free port of 127.0.0.1, with the benchmark's settings; stopped on exit."""

    def __init__(self, url: str, workers: int):
        self.url, self.workers = url, workers

    def __enter__(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k != "BENCH_SQLITE_NO_SYNC"}
        env.update(DJANGO_SETTINGS_MODULE="bench.settings", BENCH_DATABASE_URL=self.url)
        # (BENCH_SHARED_CACHE_DIR is inherited: the server and this process share the cache.)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "lms.wsgi:application",
                f"--workers={self.workers}",
                f"--bind=127.0.0.1:{self.port}",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                NO_REDIRECTS.open(self.base + "/bench/floor/", timeout=2).read()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


NO_REDIRECTS = urllib.request.build_opener(_NoRedirect)

LUA_ROTATE = """
local items = {%s}
local connections = %d
local i = 0
request = function()
  i = i + 1
  if i > #items then i = #items end
  local item = items[i]
  return wrk.format("POST", item[2], {["Authorization"] = "Token " .. item[1],
    ["Content-Type"] = "application/json"}, '%s')
end
local answered = 0
response = function(status, headers, body)
  answered = answered + 1
  -- Stop while every request in flight still has an item of its own: none is sent twice.
  if answered + connections >= #items then wrk.thread:stop() end
end
"""


LUA_RENDERED = """
local items = {%s}
local i = 0
request = function()
  i = i + 1
  local item = items[(i - 1) %% #items + 1]
  return wrk.format("GET", item[2] .. "?render=" .. i, {["Cookie"] = item[1]})
end
"""


class Load:
    def __init__(self, server: Server, fixtures: Fixtures, args: Namespace):
        self.server, self.fixtures, self.args = server, fixtures, args
        self.urls = fixtures.urls()
        self.cookies = {}

    def cookie(self, user) -> str:
        if user.pk not in self.cookies:
            self.cookies[user.pk] = self.fixtures.session_cookie(user)
        return self.cookies[user.pk]

    def fetch(self, path: str, user=None) -> tuple[int, bytes]:
        """GET without following redirects: a redirect to sign-in is an error here."""
        request = urllib.request.Request(self.server.base + path)  # noqa: S310 (http://127.0.0.1)
        if user is not None:
            request.add_header("Cookie", self.cookie(user))
        with NO_REDIRECTS.open(request, timeout=120) as response:
            return response.status, response.read()

    def run(self, key: str) -> dict:
        if key in ("attempt_start", "attempt_submit"):
            return self._attempts(key)
        if key in RENDERED:
            return self._rendered(key)
        if key == "write_floor":
            headers = ["-H", f"Cookie: {self.cookie(self.fixtures.learner)}"]
            with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
                lua.write('wrk.method = "POST"\n')
                lua.flush()
                extra = [*headers, "-s", lua.name]
                return self._wrk(WRITE_FLOOR_PATH, extra, self.args.connections)
        path, user = self.urls[key]
        status, _ = self.fetch(path, user)  # warm-up; urllib follows no redirect to sign-in
        assert status == 200, (key, status)
        headers = ["-H", f"Cookie: {self.cookie(user)}"] if user else []
        connections = 1 if key == "csv" else self.args.connections
        return self._wrk(path, headers, connections)

    def _attempts(self, key: str) -> dict:
        if key == "attempt_start":
            items = [
                (token, f"/api/v1/quizzes/{module.quiz_id}/attempts/")
                for module in self.fixtures.modules
                for _, token in self.fixtures.attempt_learners
            ]
            body = "{}"
        else:
            self.fixtures.open_remaining_attempts()
            items = [
                (token, f"/api/v1/attempts/{pk}/submit/")
                for token, pk in self.fixtures.open_attempts()
            ]
            body = '{"answers": {}}'
        listed = ",".join(f'{{"{t}", "{p}"}}' for t, p in items)
        script = LUA_ROTATE % (listed, self.args.connections, body)
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
            lua.write(script)
            lua.flush()
            # One thread, so the script's counter hands each item out once.
            return self._wrk("/", ["-s", lua.name], self.args.connections, expect=len(items))

    def _rendered(self, key: str) -> dict:
        """Every reader's pages of the row in turn (officer by officer, as officers read), each
        request with a query string of its own: rendered, never served from the page cache.
        Each page is rendered twice first (a server in steady state holds what every learner
        shares: the route map, outlines, lesson bodies)."""
        pages = self.fixtures.rendered_pages(key)
        items = [(self.cookie(user), page) for user in self.fixtures.readers() for page in pages]
        warm = self.fixtures.readers()[-1]  # not among those measured first
        for page in pages * 2:  # each worker, in all likelihood: what all learners share
            status, _ = self.fetch(page + "?render=0", warm)
            assert status == 200, (key, page, status)
        listed = ",".join(f'{{"{cookie}", "{page}"}}' for cookie, page in items)
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
            lua.write(LUA_RENDERED % listed)
            lua.flush()
            return self._wrk("/", ["-s", lua.name], self.args.connections)

    def _wrk(self, path: str, extra: list[str], connections: int, expect=None) -> dict:
        command = [wrk_path(), "-t1", f"-c{connections}", f"-d{self.args.duration}s"]
        command += ["--latency", "--timeout", "30s", *extra, self.server.base + path]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        socket_errors = re.search(r"Socket errors: (.*)", output)
        result = {
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "p50": latency_ms(output, "50%"),
            "p99": latency_ms(output, "99%"),
            "errors": int(errors.group(1)) if errors else 0,
            "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        }
        if socket_errors:
            result["socket_errors"] = socket_errors.group(1)
        result["prepared"] = expect  # attempts: requests wrk could make (each item once)
        return result

    def csv_rss(self) -> dict:
        """Stream the 50,000-row CSV once while sampling the workers' resident memory."""
        pids = self.server.worker_pids()
        before = {pid: rss_mb(pid) for pid in pids}
        peak = dict(before)
        done = threading.Event()

        def sample():
            while not done.is_set():
                for pid in pids:
                    peak[pid] = max(peak[pid], rss_mb(pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        path, user = self.urls["csv"]
        started = time.perf_counter()
        try:
            _, body = self.fetch(path, user)
        finally:
            seconds = time.perf_counter() - started
            done.set()
            sampler.join()
        growth = max(peak[pid] - before[pid] for pid in pids)
        return {
            "rows": body.count(b"\n") - 1,
            "mib": len(body) / 2**20,
            "seconds": seconds,
            "peak_mb": max(peak.values()),
            "growth_mb": growth,
        }

    def scaling(self) -> dict:
        """The report rendered, not served from the page cache (its version renewed first)."""
        from django.urls import reverse

        from lms.page_cache import content_changed

        figures = {}
        for size, user in zip(SIZES, self.fixtures.commands.values(), strict=True):
            timings = {}
            for name, path in (
                ("page", reverse("oversight-dashboard")),
                ("csv", reverse("oversight-csv")),
            ):
                runs = []
                for _ in range(3):
                    content_changed()
                    started = time.perf_counter()
                    status, _ = self.fetch(path, user)
                    runs.append((time.perf_counter() - started) * 1000)
                    assert status == 200
                timings[f"{name}_ms"] = statistics.median(runs)
            timings["page_queries"] = page_queries(user)  # rendered, not from the cache
            figures[str(size)] = timings
        return dict(sorted(figures.items(), key=lambda item: int(item[0])))


def page_queries(user) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from lms.page_cache import content_changed

    client = Fixtures.client(user)
    client.get(reverse("oversight-dashboard"))
    content_changed()
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("oversight-dashboard"))
    return len(captured)


def latency_ms(output: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
