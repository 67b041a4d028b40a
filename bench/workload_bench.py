"""A deadline week against the real server: `make bench-workload` (bench/README.md).

    .venv/bin/python bench/workload_bench.py [--database both|sqlite|postgresql] [--duration 60]
        [--warmup 10] [--connections 4] [--officers 5000] [--agencies 5] [--reseed]

For each database, in a process of its own: seed (report_bench's bulk seeding; kept between
runs, since each officer carries on where the last run left them), sign every officer and the
command staff in with sessions created in bulk, start gunicorn (http_bench.Server: 2 sync
workers, bench.settings) and replay, from --connections threads, officers' journeys in order:
My training, each lesson of their next module (a render: nobody has read it before) and
*Mark complete*, the module page, the quiz started, taken, submitted (right or wrong) and its
result, a retake when failed. Command staff open the dashboard, a filtered report page and the
completion CSV in the proportion ASSUMPTIONS gives. After --warmup seconds, every request that
finishes in the next --duration seconds counts; the CPU of the server, the generator, the
PostgreSQL backends and the machine is sampled alongside. Prints one table per database and
the capacity arithmetic for a state academy (capacity()).

The load generator is Python threads with http.client, not wrk: every step depends on the
response before it (the attempt's id from the redirect, the questions served from the quiz
page), which the journey below reads in a few lines and tests/test_bench_workload.py replays
through Django's test client; its CPU is measured and printed with the figures.
"""

import argparse
import http.client
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import report_bench  # noqa: E402 (after the path is set)
from bench.http_bench import Server, postgres_reachable, rss_mb  # noqa: E402

SQLITE_URL = f"sqlite:///{Path(tempfile.gettempdir()) / 'common-ground-workload-bench.sqlite3'}"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/bench_workload"
STAFF_PER_AGENCY = 3
CSRF_FIELD = "csrfmiddlewaretoken"

# What a deadline week looks like. ASSUMPTIONS, not statistics: nobody has measured them for
# this product. Change them here (or with the flags) and the mix and the arithmetic follow.
ASSUMPTIONS = {
    "academy_officers": 100_000,  # the state academy
    "active_share": 0.10,  # of officers who do one module session in the busiest hour
    "pass_share": 0.80,  # of quiz attempts answered right (the rest wrong: a retake follows)
    "officers_per_staff": 50,  # one command-staff member per 50 officers
    # Each command-staff member, in the busiest hour: dashboard twice, a filtered report page
    # twice, the completion CSV once.
    "staff_opens": {"dashboard": 2, "report": 2, "csv": 1},
    "utilisation": 0.65,  # plan app servers to run at 65% of their measured capacity
}
OFFICER_KINDS = (
    "my_training",
    "lesson",
    "lesson_complete",
    "module",
    "quiz_start",
    "attempt_take",
    "attempt_submit",
    "attempt_result",
)
STAFF_KINDS = ("dashboard", "report", "csv")
REPORT_STATUSES = ("overdue", "not_started", "in_progress")


def staff_per_session(assumptions: dict = ASSUMPTIONS) -> dict[str, float]:
    """Command-staff requests of each kind per officer session, from the assumptions: the staff
    of the academy's officers open so much in the hour its active officers do one session."""
    staff = assumptions["academy_officers"] / assumptions["officers_per_staff"]
    sessions = assumptions["academy_officers"] * assumptions["active_share"]
    return {kind: staff * opens / sessions for kind, opens in assumptions["staff_opens"].items()}


# --- The journey (no Django: the same code drives gunicorn and the test client) ---------------


@dataclass
class Request:
    kind: str
    method: str
    path: str
    form: dict | None = None


@dataclass
class Response:
    status: int
    location: str = ""
    body: bytes = b""


@dataclass
class Module:
    url: str
    quiz_id: int | None
    lessons: list[tuple[int, str]]  # (page id, url) in reading order


@dataclass
class Plan:
    """The curriculum as a journey needs it, and the answer key (question id → right choices)."""

    modules: list[Module]
    correct: dict[int, list[int]]


@dataclass
class Officer:
    username: str
    cookie: str
    csrf: str
    module: int = 0  # index of the next module to complete
    lessons_done: set[int] = field(default_factory=set)  # of that module


class JourneyError(Exception):
    """A response the journey did not expect (a redirect to sign-in, a refused start…)."""


TAKE_CHOICE = re.compile(rb'name="q(\d+)" value="(\d+)"')
ATTEMPT_PATH = re.compile(r"^/training/attempts/(\d+)/$")


def officer_session(
    officer: Officer, plan: Plan, rng: random.Random, pass_share: float
) -> Generator[Request, Response, None]:
    """One sitting: My training, the next module's unread lessons in order (each marked
    complete, which redirects to the next), the module page, the quiz until passed. Yields
    each request and is sent its response; raises JourneyError on an unexpected one."""
    module = plan.modules[officer.module]
    expect((yield Request("my_training", "GET", "/training/")), 200)
    unread = [(pk, url) for pk, url in module.lessons if pk not in officer.lessons_done]
    for index, (pk, url) in enumerate(unread):
        following = unread[index + 1][1] if index + 1 < len(unread) else module.url
        expect((yield Request("lesson", "GET", url)), 200)
        form = {"next": following, CSRF_FIELD: officer.csrf}
        response = yield Request(
            "lesson_complete", "POST", f"/training/lessons/{pk}/complete/", form
        )
        expect(response, 302, following)
        officer.lessons_done.add(pk)
    expect((yield Request("module", "GET", module.url)), 200)
    passed = module.quiz_id is None
    while not passed:
        form = {CSRF_FIELD: officer.csrf}
        path = f"/training/quizzes/{module.quiz_id}/start/"
        started = yield Request("quiz_start", "POST", path, form)
        expect(started, 302)
        if not ATTEMPT_PATH.match(started.location):  # refused: no attempts left, a cooldown
            raise JourneyError(f"{officer.username}: quiz start refused ({started.location})")
        take = yield Request("attempt_take", "GET", started.location)
        expect(take, 200)
        right = rng.random() < pass_share
        form = {CSRF_FIELD: officer.csrf, **answers(take.body, plan.correct, right=right)}
        submitted = yield Request("attempt_submit", "POST", f"{started.location}submit/", form)
        expect(submitted, 302, f"{started.location}result/")
        expect((yield Request("attempt_result", "GET", submitted.location)), 200)
        passed = right
    officer.module += 1
    officer.lessons_done = set()


def answers(page: bytes, correct: dict[int, list[int]], *, right: bool) -> dict[str, list[int]]:
    """The quiz form's fields: each served question answered with its right choices, or with
    one wrong choice."""
    offered: dict[int, list[int]] = {}
    for question, choice in TAKE_CHOICE.findall(page):
        offered.setdefault(int(question), []).append(int(choice))
    if not offered:
        raise JourneyError("the quiz page offers no questions")
    fields = {}
    for question, choices in offered.items():
        wrong = [c for c in choices if c not in correct[question]]
        fields[f"q{question}"] = correct[question] if right or not wrong else wrong[:1]
    return fields


def expect(response: Response, status: int, location: str | None = None) -> None:
    if response.status != status or (location is not None and response.location != location):
        raise JourneyError(
            f"expected {status} {location or ''}, got {response.status} {response.location}"
        )


def staff_request(kind: str, rng: random.Random) -> Request:
    if kind == "dashboard":
        return Request(kind, "GET", "/oversight/")
    if kind == "report":
        query = urlencode({"status": rng.choice(REPORT_STATUSES), "page": rng.randint(1, 3)})
        return Request(kind, "GET", f"/oversight/?{query}")
    return Request(kind, "GET", "/oversight/completion.csv")


class StaffQuota:
    """Keeps the command staff's requests in the assumed proportion to officer sessions,
    whichever thread is quicker: each session started earns credit, each staff request spends
    one."""

    def __init__(self, per_session: dict[str, float]):
        self.per_session = per_session
        self.credit = dict.fromkeys(per_session, 0.0)
        self.lock = threading.Lock()

    def session_started(self) -> None:
        with self.lock:
            for kind, share in self.per_session.items():
                self.credit[kind] += share

    def take(self) -> str | None:
        with self.lock:
            for kind, credit in self.credit.items():
                if credit >= 1:
                    self.credit[kind] -= 1
                    return kind
        return None


# --- Driving it ---------------------------------------------------------------------------


class HttpTransport:
    """One keep-alive connection (gunicorn's sync workers close it after each response;
    http.client then opens another)."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def send(self, request: Request, cookie: str) -> Response:
        headers = {"Cookie": cookie}
        body = None
        if request.form is not None:
            body = urlencode(request.form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(request.method, request.path, body, headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            return Response(0)
        return Response(response.status, response.getheader("Location", ""), data)


class Recorder:
    """Latencies and statuses per kind, for requests that finish inside the window."""

    def __init__(self):
        self.lock = threading.Lock()
        self.start = self.end = math.inf
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.sessions = self.abandoned = 0
        self.abandon_reasons: list[str] = []

    def record(self, kind: str, began: float, finished: float, status: int) -> None:
        if not self.start <= finished < self.end:
            return
        with self.lock:
            self.latencies.setdefault(kind, []).append((finished - began) * 1000)
            if not 200 <= status < 400:
                self.errors[kind] = self.errors.get(kind, 0) + 1

    def session_done(self, *, abandoned: str | None) -> None:
        if not self.start <= time.monotonic() < self.end:
            return
        with self.lock:
            if abandoned:
                self.abandoned += 1
                self.abandon_reasons = [*self.abandon_reasons[-4:], abandoned]
            else:
                self.sessions += 1


class Driver:
    """Threads, each a browser tab: take the next officer, replay one session of theirs, and
    put them back in the queue; spend the staff quota between requests."""

    def __init__(
        self, transport_factory, officers, staff, plan, *, seed=42, pass_share=None, staff_mix=None
    ):
        self.transport_factory, self.plan = transport_factory, plan
        self.queue = deque(officers)
        self.staff = staff  # the staff's cookie headers
        self.quota = StaffQuota(staff_mix or staff_per_session())
        self.recorder = Recorder()
        self.pass_share = ASSUMPTIONS["pass_share"] if pass_share is None else pass_share
        self.seed = seed
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def next_officer(self) -> Officer | None:
        with self.lock:
            while self.queue:
                officer = self.queue.popleft()
                if officer.module < len(self.plan.modules):
                    return officer
        return None

    def give_back(self, officer: Officer) -> None:
        with self.lock:
            self.queue.append(officer)

    def send(self, transport, request: Request, cookie: str) -> Response:
        began = time.monotonic()
        response = transport.send(request, cookie)
        self.recorder.record(request.kind, began, time.monotonic(), response.status)
        return response

    def run_thread(self, number: int) -> None:
        rng = random.Random(self.seed * 1000 + number)
        transport = self.transport_factory()
        while not self.stop.is_set():
            officer = self.next_officer()
            if officer is None:
                return
            self.quota.session_started()
            journey = officer_session(officer, self.plan, rng, self.pass_share)
            response = failure = None
            try:
                while not self.stop.is_set():
                    request = journey.send(response)
                    response = self.send(transport, request, officer.cookie)
                    while kind := self.quota.take():
                        self.send(transport, staff_request(kind, rng), rng.choice(self.staff))
            except StopIteration:
                self.recorder.session_done(abandoned=None)
            except JourneyError as error:
                failure = str(error)
                self.recorder.session_done(abandoned=failure)
            if failure is None:
                self.give_back(officer)

    def run(self, threads: int, warmup: float, duration: float, on_window=None) -> Recorder:
        """Warm up, then count what finishes in the next `duration` seconds; `on_window(start,
        end)` is called at both edges (the CPU samples)."""
        workers = [threading.Thread(target=self.run_thread, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        time.sleep(warmup)
        self.recorder.start = time.monotonic()
        self.recorder.end = self.recorder.start + duration
        if on_window:
            on_window("start")
        time.sleep(duration)
        if on_window:
            on_window("end")
        self.stop.set()
        for worker in workers:
            worker.join()
        return self.recorder


# --- CPU --------------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of every CPU since boot."""
    line = Path("/proc/stat").read_text().split("\n", 1)[0]
    values = [int(v) for v in line.split()[1:9]]  # (guest time is counted in user time)
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class CpuSampler:
    """CPU seconds of the gunicorn processes, the PostgreSQL backends serving them (found in
    pg_stat_activity, re-read every half second: they reconnect after CONN_MAX_AGE), this
    generator process, and the machine, between the window's two edges. The sampler's own
    backends (this process's connections) are left out."""

    def __init__(self, server: Server):
        self.server = server
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.groups: dict[int, str] = {}
        self.own: set[int] = set()
        self.done = threading.Event()
        self.marks: dict[str, tuple] = {}
        self.thread = threading.Thread(target=self.loop)

    def pids(self) -> dict[int, str]:
        from django.db import connection

        found = {self.server.process.pid: "server"}
        found.update(dict.fromkeys(self.server.worker_pids(), "server"))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid, pid = pg_backend_pid() FROM pg_stat_activity "
                    "WHERE datname = current_database()"
                )
                backends = cursor.fetchall()
            self.own.update(pid for pid, own in backends if own)
            found.update({pid: "database" for pid, _ in backends if pid not in self.own})
        return found

    def sample(self) -> None:
        for pid, group in self.pids().items():
            seconds = process_cpu(pid)
            if seconds is not None:
                self.first.setdefault(pid, seconds)
                self.last[pid] = seconds
                self.groups[pid] = group

    def loop(self) -> None:
        from django.db import connection

        while not self.done.wait(0.5):
            self.sample()
        connection.close()

    def mark(self, edge: str) -> None:
        self.sample()
        if edge == "start":
            self.first = dict(self.last)
            self.thread.start()
        else:
            self.done.set()
            self.thread.join()
            self.sample()
        self.marks[edge] = (time.monotonic(), time.process_time(), *machine_busy())

    def cores(self) -> dict[str, float]:
        """Average cores busy over the window, by group."""
        (t0, g0, b0, j0), (t1, g1, b1, j1) = self.marks["start"], self.marks["end"]
        seconds = t1 - t0
        used = {"server": 0.0, "database": 0.0}
        for pid, group in self.groups.items():
            if pid in self.own:
                continue
            used[group] += self.last[pid] - self.first.get(pid, self.last[pid])
        return {
            "server": used["server"] / seconds,
            "database": used["database"] / seconds,
            "generator": (g1 - g0) / seconds,
            "machine": (b1 - b0) / (j1 - j0) * (os.cpu_count() or 1),
        }


# --- One database, in a process of its own --------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_WORKLOAD_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--duration", type=float, default=60, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=10, help="seconds before measuring")
    parser.add_argument("--connections", type=int, default=4, help="generator threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--officers", type=int, default=5000, help="officers to seed")
    parser.add_argument("--agencies", type=int, default=5, help="agencies of equal size")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reseed", action="store_true", help="seed afresh even if kept")
    parser.add_argument("--database-url", help=argparse.SUPPRESS)  # a child's database
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.officers < args.agencies * (STAFF_PER_AGENCY + 10) or args.connections < 1:
        parser.error("need at least 13 officers per agency and one connection")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.database_url:
        child(args)
        return
    urls = []
    if args.database in ("both", "sqlite"):
        urls.append(SQLITE_URL)
    if args.database in ("both", "postgresql"):
        if postgres_reachable(args.pg_url):
            urls.append(args.pg_url)
        elif args.database == "postgresql":
            sys.exit(f"PostgreSQL at {args.pg_url} does not answer.")
        else:
            print(f"PostgreSQL at {args.pg_url} does not answer: SQLite only.")
    results = []
    for url in urls:
        with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
            command = [sys.executable, str(Path(__file__).resolve()), "--database-url", url]
            command += ["--json-out", out.name]
            for name in ("duration", "warmup", "connections", "workers", "officers", "agencies"):
                command += [f"--{name}", str(getattr(args, name))]
            command += ["--seed", str(args.seed)] + (["--reseed"] if args.reseed else [])
            subprocess.run(command, check=True, cwd=ROOT)
            results.append(json.load(out))
    for result in results:
        print_result(result)
    print(f"\nCommand: {report_bench.shown_command()}")


def marker_path(url: str) -> Path:
    name = re.sub(r"[^A-Za-z0-9]+", "-", url.split("/")[-1])
    return Path(tempfile.gettempdir()) / f"common-ground-workload-bench-{name}.seeded"


def ensure_seeded(args) -> None:
    """Seed once; later runs carry on with the same officers while enough have work left."""
    url, marker = args.database_url, marker_path(args.database_url)
    shape = f"{args.officers}/{args.agencies}/{args.seed}"
    if not args.reseed and marker.exists() and marker.read_text() == shape:
        report_bench.setup_django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if len(officers_with_work()) >= args.officers // 4:
            print(f"Reusing {url}: officers carry on where the last run left them.")
            return
        print("Fewer than a quarter of the officers have a module left: seeding afresh.")
    marker.unlink(missing_ok=True)
    sizes = [args.officers // args.agencies] * args.agencies
    sizes[0] += args.officers - sum(sizes)
    seeding = argparse.Namespace(
        officers=args.officers, agencies=args.agencies, seed=args.seed, no_analyze=False
    )
    report_bench.prepare(seeding, url, sizes)  # calls setup_django (a no-op if already set up)
    make_staff()
    marker.write_text(shape)


def make_staff() -> None:
    """STAFF_PER_AGENCY command staff in each agency: its first officers, promoted."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from lms import roles
    from lms.models import Agency

    group = Group.objects.get(name=roles.COMMAND_STAFF)
    users = get_user_model().objects.filter(
        username__in=[
            f"bench-{slug}-{n:05d}"
            for slug in Agency.objects.values_list("slug", flat=True)
            for n in range(1, STAFF_PER_AGENCY + 1)
        ]
    )
    group.user_set.add(*users)


def build_plan(curriculum) -> Plan:
    """The live modules with their lessons in reading order, and the quizzes' answer key."""
    from assessments.models import Choice
    from courses.models import LessonPage, ModulePage

    modules = []
    for module in ModulePage.objects.live().child_of(curriculum).order_by("number", "path"):
        lessons = LessonPage.objects.live().child_of(module).order_by("path")
        modules.append(
            Module(
                module.get_url(), module.quiz_id, [(page.pk, page.get_url()) for page in lessons]
            )
        )
    correct: dict[int, list[int]] = {}
    quizzes = [m.quiz_id for m in modules if m.quiz_id]
    for question, choice in (
        Choice.objects.filter(question__quiz__in=quizzes, is_correct=True)
        .order_by("pk")
        .values_list("question_id", "pk")
    ):
        correct.setdefault(question, []).append(choice)
    return Plan(modules, correct)


def officers_with_work(curriculum=None) -> list:
    """People of the seeded agencies, command staff aside, who have not finished (the bulk
    seeding's not-started and in-progress officers, and those an earlier run left part-way)."""
    from courses.models import CurriculumCompletion, CurriculumPage
    from lms import roles
    from lms.models import Person

    curriculum = curriculum or CurriculumPage.objects.live().get()
    return list(
        Person.objects.filter(agency__slug__startswith="bench-")
        .exclude(user__groups__name=roles.COMMAND_STAFF)
        .exclude(
            pk__in=CurriculumCompletion.objects.filter(curriculum=curriculum).values("person_id")
        )
        .select_related("user")
        .order_by("pk")
    )


def load_officers(people, plan: Plan, cookies: dict[int, tuple[str, str]]) -> list[Officer]:
    """Each person's place in the curriculum: the modules they completed (in order, as the
    seeding and the journey complete them) and the lessons read of the next."""
    from django.db.models import Count

    from courses.models import LessonProgress, ModuleCompletion

    done = dict(
        ModuleCompletion.objects.filter(person__in=people)
        .values("person_id")
        .annotate(n=Count("pk"))
        .values_list("person_id", "n")
    )
    read: dict[int, set[int]] = {}
    for person_id, lesson_id in LessonProgress.objects.filter(person__in=people).values_list(
        "person_id", "lesson_id"
    ):
        read.setdefault(person_id, set()).add(lesson_id)
    officers = []
    for person in people:
        index = done.get(person.pk, 0)
        if index >= len(plan.modules):
            continue
        lessons = {pk for pk, _ in plan.modules[index].lessons}
        cookie, csrf = cookies[person.user_id]
        officers.append(
            Officer(person.user.username, cookie, csrf, index, read.get(person.pk, set()) & lessons)
        )
    return officers


def sign_in(users) -> dict[int, tuple[str, str]]:
    """A server-side session per user, written in bulk as a sign-in would leave it (the user,
    the backend, the password hash's HMAC, the idle clock), and a CSRF cookie: user id →
    (Cookie header, CSRF token)."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        load_backend,
    )
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.middleware.csrf import _get_new_csrf_string
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from lms.middleware import LAST_SEEN_KEY, SIGNED_IN_KEY
    from lms.models import UserSession
    from lms.sessions import SessionStore

    backend = next(
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
    )
    store, now = SessionStore(), int(time.time())
    expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    rows, cookies = [], {}
    for user in users:
        key = get_random_string(32, VALID_KEY_CHARS)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            SIGNED_IN_KEY: now,
            LAST_SEEN_KEY: now,
        }
        rows.append(
            UserSession(
                session_key=key, session_data=store.encode(data), expire_date=expires, user=user
            )
        )
        csrf = _get_new_csrf_string()
        cookies[user.pk] = (
            f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={csrf}",
            csrf,
        )
    UserSession.objects.filter(user__in=users).delete()  # an earlier run's
    UserSession.objects.bulk_create(rows, batch_size=report_bench.BATCH_SIZE)
    return cookies


def staff_users() -> list:
    from django.contrib.auth import get_user_model

    from lms import roles

    return list(
        get_user_model().objects.filter(
            groups__name=roles.COMMAND_STAFF, person__agency__slug__startswith="bench-"
        )
    )


def child(args) -> None:
    tmpfs = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (mkdtemp: 0700)
    os.environ["BENCH_SHARED_CACHE_DIR"] = tempfile.mkdtemp(prefix="cg-workload-", dir=tmpfs)
    try:
        measure(args)
    finally:
        shutil.rmtree(os.environ["BENCH_SHARED_CACHE_DIR"], ignore_errors=True)


def measure(args) -> None:
    ensure_seeded(args)
    from django.db import connection

    from courses.models import CurriculumPage
    from lms.page_cache import content_changed

    content_changed()
    curriculum = CurriculumPage.objects.live().get()
    plan = build_plan(curriculum)
    people = officers_with_work(curriculum)
    staff = staff_users()
    started = time.perf_counter()
    cookies = sign_in([p.user for p in people] + staff)
    signed_in = time.perf_counter() - started
    officers = load_officers(people, plan, cookies)
    random.Random(args.seed).shuffle(officers)
    print(
        f"{len(officers):,} officers with a module left, {len(staff)} command staff; "
        f"{len(cookies):,} sessions created in bulk in {signed_in:.1f} s."
    )
    with Server(args.database_url, args.workers) as server:
        driver = Driver(
            lambda: HttpTransport(server.port),
            officers,
            [cookies[u.pk][0] for u in staff],
            plan,
            seed=args.seed,
        )
        sampler = CpuSampler(server)
        recorder = driver.run(args.connections, args.warmup, args.duration, sampler.mark)
        workers_rss = [rss_mb(pid) for pid in server.worker_pids()]
    result = summarise(recorder, args.duration)
    result.update(
        about=(
            f"{connection.display_name} · gunicorn {args.workers} sync workers · "
            f"{args.connections} generator threads · {args.warmup:.0f} s warm-up, "
            f"{args.duration:.0f} s measured · {len(officers):,} officers with work in "
            f"{args.agencies} agencies of ~{args.officers // args.agencies:,} · "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        ),
        cpu=sampler.cores(),
        rss_mb=max(workers_rss, default=0),
        lessons_per_module=statistics.mean(len(m.lessons) for m in plan.modules),
    )
    Path(args.json_out).write_text(json.dumps(result))


def summarise(recorder: Recorder, duration: float) -> dict:
    rows = {}
    for kind in (*OFFICER_KINDS, *STAFF_KINDS):
        latencies = sorted(recorder.latencies.get(kind, []))
        if not latencies:
            continue
        rows[kind] = {
            "count": len(latencies),
            "rps": len(latencies) / duration,
            "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99),
            "errors": recorder.errors.get(kind, 0),
        }
    return {
        "rows": rows,
        "sessions": recorder.sessions,
        "abandoned": recorder.abandoned,
        "abandon_reasons": recorder.abandon_reasons,
        "duration": duration,
    }


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# --- Printing and the capacity arithmetic ---------------------------------------------------


def print_result(result: dict) -> None:
    rows, duration = result["rows"], result["duration"]
    print(f"\n{result['about']}")
    header = f"{'kind':<16} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
    print(header)
    print("-" * len(header))
    for kind, row in rows.items():
        print(
            f"{kind:<16} {row['count']:>7,} {row['rps']:>7.1f} {row['p50']:>8.1f} "
            f"{row['p99']:>8.1f} {row['errors']:>6}"
        )
    total = sum(r["count"] for r in rows.values())
    errors = sum(r["errors"] for r in rows.values())
    print("-" * len(header))
    print(
        f"{'sustained total':<16} {total:>7,} {total / duration:>7.1f} {'':>8} {'':>8} {errors:>6}"
    )
    cpu = result["cpu"]
    print(
        f"Officer sessions completed: {result['sessions']:,} "
        f"({result['sessions'] / duration:.2f}/s); "
        f"abandoned on an unexpected response: {result['abandoned']}"
        + (f" (last: {'; '.join(result['abandon_reasons'])})" if result["abandoned"] else "")
    )
    print(
        f"CPU, cores busy on average: server {cpu['server']:.2f}, PostgreSQL backends "
        f"{cpu['database']:.2f}, load generator {cpu['generator']:.2f}, whole machine "
        f"{cpu['machine']:.2f} of {os.cpu_count()}. Largest worker RSS {result['rss_mb']:.0f} MB."
    )
    for line in capacity(result):
        print(line)


def capacity(result: dict, assumptions: dict = ASSUMPTIONS) -> list[str]:
    """The busiest hour of a deadline week for the academy, and app servers of this size for it."""
    rows, duration = result["rows"], result["duration"]
    total = sum(r["count"] for r in rows.values())
    if not total:
        return ["Nothing was measured: no capacity arithmetic."]
    lessons, attempts = result["lessons_per_module"], 1 / assumptions["pass_share"]
    # A module session, as officer_session() makes it: My training, L lessons read and marked
    # complete, the module page, and per attempt start, take, submit and result.
    per_session = 2 + 2 * lessons + 4 * attempts
    writes_per_session = lessons + 2 * attempts
    staff = sum(staff_per_session(assumptions).values())
    sessions = assumptions["academy_officers"] * assumptions["active_share"]
    hourly = sessions * (per_session + staff)
    demand = hourly / 3600
    measured = total / duration
    usable = measured * assumptions["utilisation"]
    cpu = result["cpu"]
    server_cpu_per_request = cpu["server"] / measured
    dedicated = (os.cpu_count() or 2) / server_cpu_per_request * assumptions["utilisation"]
    database_cores = demand * cpu["database"] / measured
    officer_requests = sum(rows[k]["count"] for k in OFFICER_KINDS if k in rows)
    lines = [
        "Capacity (ASSUMPTIONS in bench/workload_bench.py, not statistics):",
        f"  busiest hour: {assumptions['academy_officers']:,} officers × "
        f"{assumptions['active_share']:.0%} active = {sessions:,.0f} module sessions",
        f"  requests per module session: 2 + 2 × {lessons:.1f} lessons + 4 × {attempts:.2f} "
        f"attempts (pass share {assumptions['pass_share']:.0%}) = {per_session:.1f} officer "
        f"(this run: {officer_requests:,} requests, {result['sessions']:,} sessions completed) "
        f"+ {staff:.1f} command staff (1 per {assumptions['officers_per_staff']} officers, each "
        f"opening {sum(assumptions['staff_opens'].values())} pages in the hour) = "
        f"{per_session + staff:.1f}",
        f"  demand: {sessions:,.0f} × {per_session + staff:.1f} = {hourly:,.0f} requests/hour "
        f"= {demand:.1f} requests/s, of which writes {sessions * writes_per_session / 3600:.1f}/s",
        f"  this box as the app server (2 cores shared by the server, the generator, the "
        f"database and other tenants) sustained {measured:.1f} requests/s; at "
        f"{assumptions['utilisation']:.0%} utilisation {usable:.1f}/s: servers = "
        f"ceil({demand:.1f} / {usable:.1f}) = {math.ceil(demand / usable)}",
        f"  from the app server's own CPU ({server_cpu_per_request * 1000:.1f} ms per request): "
        f"2 dedicated cores at {assumptions['utilisation']:.0%} serve {dedicated:.1f}/s: "
        f"servers = ceil({demand:.1f} / {dedicated:.1f}) = {math.ceil(demand / dedicated)}",
    ]
    if cpu["database"]:
        lines.append(
            f"  PostgreSQL: {cpu['database'] / measured * 1000:.1f} ms of backend CPU per "
            f"request, so {database_cores:.2f} cores at the busiest hour's demand (one server "
            "for every app server: the writes go to one primary)"
        )
    return lines


if __name__ == "__main__":
    main()
