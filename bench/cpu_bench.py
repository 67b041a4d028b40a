"""What a request costs in-process, by CPU: a lesson, a module page and My training that the
page cache does not answer, against the signed-in floor; an attempt's start and a failed
submit through the API, against the write floor; all views in the same process.

    .venv/bin/python bench/cpu_bench.py [--requests 400] [--learners 60]

The database is the seeded demo (`seed_demo`: seven modules, 32 lessons), made once in a
throwaway SQLite file (BENCH_DATABASE_URL to use another). One demo officer, signed in, has
every page rendered twice before timing (what a worker keeps for every learner: the route map,
the outlines, the lessons' shared HTML); then each timed request is a render: every one has a
query string of its own, which the page cache never serves, rotating over every lesson or
module. Half the requests are timed without the profiler, half counted with it. The shared
cache (the page cache's versions) is in a private directory on tmpfs, as `make bench`'s is.

The attempts: `--learners` officers new to the process, each with every lesson of the
curriculum read and an API token, as `make bench`'s attempt learners; after one start and
submit by another learner (the worker has then kept the quiz), each starts the last module's
quiz (`POST /api/v1/quizzes/<id>/attempts/`) and then submits it with no answers (a fail).

Prints, per row: the median CPU milliseconds (time.thread_time: on a shared machine the
steadier figure), the median wall-clock milliseconds, SQL statements and Python function calls
per request, and the ratio of its floor's CPU time to the row's, which is what the HTTP
bench's ratios approach when the app server's CPU is the limit.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "/bench/floor/signed-in/"
WRITE_FLOOR = "/bench/floor/write/"
PASSWORD = "bench-cpu-demo"  # noqa: S105 (the throwaway database's demo accounts)


def _setup() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench.report_bench import setup_django

    default = f"sqlite:///{tempfile.gettempdir()}/cpu-bench.sqlite3"
    setup_django(os.environ.get("BENCH_DATABASE_URL") or default)
    from django.core.management import call_command

    from courses.models import LessonPage

    call_command("migrate", verbosity=0)
    if not LessonPage.objects.exists():
        print("Seeding the demo curriculum (once)…")
        call_command("seed_demo", password=PASSWORD, stdout=open(os.devnull, "w"))  # noqa: SIM115


def _urls(kind: str) -> list[str]:
    from courses.models import LessonPage, ModulePage

    if kind == "my_training":
        return ["/training/"]
    model = LessonPage if kind == "lesson" else ModulePage
    return [page.url for page in model.objects.live().order_by("path")]


def _timed(requests, send) -> dict:
    """`send(i)` for each i: the first half timed (CPU and wall milliseconds, medians), the
    second half counted (statements and function calls per request)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cpu, wall, statements = [], [], []
    profile = cProfile.Profile()
    half = len(requests) // 2
    for i, request in enumerate(requests):
        if i < half:
            start, start_cpu = time.perf_counter(), time.thread_time()
            response = send(request)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
        else:
            with CaptureQueriesContext(connection) as queries:
                profile.enable()
                response = send(request)
                profile.disable()
            statements.append(len(queries))
        assert response.status_code in (200, 201), (request, response.status_code)
    return {
        "cpu": statistics.median(cpu),
        "wall": statistics.median(wall),
        "statements": statistics.median(statements),
        "calls": pstats.Stats(profile).total_calls / (len(requests) - half),
    }


def pages(client, urls: list[str], requests: int) -> dict:
    """Renders of `urls` in turn, each with a query string of its own."""
    for url in urls:  # what every learner shares is built now, as on a worker in service
        assert client.get(url + "?warm").status_code == 200, url
        client.get(url + "?warm-again")
    return _timed([f"{urls[i % len(urls)]}?render={i}" for i in range(requests)], client.get)


def attempt_learners(count: int) -> tuple[int, list]:
    """The last module's quiz, and `count` API clients of officers new to the process who have
    read every lesson."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from courses.models import Assignment, CurriculumPage, LessonPage, LessonProgress, ModulePage
    from lms.models import Person

    curriculum = CurriculumPage.objects.live().order_by("path").first()
    quiz_id = (
        (ModulePage.objects.live().child_of(curriculum).filter(quiz__isnull=False).order_by("path"))
        .last()
        .quiz_id
    )
    agency_id = Assignment.objects.filter(curriculum=curriculum, agency__isnull=False)[0].agency_id
    lessons = list(LessonPage.objects.live().descendant_of(curriculum))
    tag = uuid.uuid4().hex[:8]
    clients = []
    for i in range(count):
        user = get_user_model().objects.create(username=f"cpu-bench-{tag}-{i}")
        person = Person.objects.create(user=user, agency_id=agency_id)
        LessonProgress.objects.bulk_create(
            LessonProgress(person=person, lesson=lesson) for lesson in lessons
        )
        token = Token.objects.create(user=user)
        clients.append(Client(HTTP_AUTHORIZATION=f"Token {token.key}"))
    return quiz_id, clients


def attempts(learners: int) -> tuple[dict, dict]:
    """(start, failed submit) rows: each learner starts the quiz, then submits it empty."""
    quiz_id, clients = attempt_learners(learners + 1)
    start_url = f"/api/v1/quizzes/{quiz_id}/attempts/"

    def submit(pair):
        client, attempt_id = pair
        return client.post(
            f"/api/v1/attempts/{attempt_id}/submit/", {"answers": {}}, "application/json"
        )

    warm = clients.pop()  # the worker keeps the quiz from here on
    assert submit((warm, warm.post(start_url).json()["id"])).status_code == 200
    started = []

    def start(client):
        response = client.post(start_url)
        started.append((client, response.json()["id"]))
        return response

    start_row = _timed(clients, start)
    return start_row, _timed(started, submit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="per page row")
    parser.add_argument("--learners", type=int, default=60, help="attempts started and failed")
    args = parser.parse_args()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench.private_cache import private_shared_cache

    with private_shared_cache():
        measure(args)


def measure(args) -> None:
    _setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="officer"))
    client.get("/training/")
    floor = pages(client, [FLOOR], args.requests)
    write_floor = _timed(range(args.requests), lambda i: client.post(WRITE_FLOOR))
    start, submit = attempts(args.learners)
    rows = [
        ("signed-in floor", floor, floor),
        ("lesson, rendered", pages(client, _urls("lesson"), args.requests), floor),
        ("module, rendered", pages(client, _urls("module"), args.requests), floor),
        ("My training, rendered", pages(client, _urls("my_training"), args.requests), floor),
        ("write floor", write_floor, write_floor),
        ("attempt start", start, write_floor),
        ("failed submit", submit, write_floor),
    ]
    print(
        f"load average {os.getloadavg()[0]:.1f}; {args.requests} requests a page row, "
        f"{args.learners} learners' attempts"
    )
    print(f"{'':24}{'CPU ms':>8}{'wall ms':>9}{'SQL':>6}{'calls':>9}   its floor's CPU / its CPU")
    for label, row, its_floor in rows:
        print(
            f"{label:24}{row['cpu']:8.2f}{row['wall']:9.2f}{row['statements']:6.0f}"
            f"{row['calls']:9.0f}   {its_floor['cpu'] / row['cpu']:.3f}"
        )


if __name__ == "__main__":
    main()
