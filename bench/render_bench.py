"""What a rendered page costs in-process: the CPU of a lesson, a module page and My training
that the page cache does not answer, against the signed-in floor view in the same process.

    .venv/bin/python bench/render_bench.py [--requests 400] [--kinds lesson,module,my_training]

The database is the seeded demo (`seed_demo`: seven modules, 32 lessons), made once in a
throwaway SQLite file (BENCH_DATABASE_URL to use another). One demo officer, signed in, has
every page rendered twice before timing (what a worker keeps for every learner: the route map,
the outlines, the lessons' shared HTML); then each timed request is a render: every one has a
query string of its own, which the page cache never serves, rotating over every lesson or
module. Half the requests are timed without the profiler, half counted with it.

Prints, per kind: the median CPU milliseconds (time.thread_time: on a shared machine the
steadier figure), the median wall-clock milliseconds, SQL statements and Python function calls
per request, and the ratio of the floor's CPU time to the page's, which is what the HTTP
bench's "of the signed-in floor" approaches when the app server's CPU is the limit.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "/bench/floor/signed-in/"
PASSWORD = "bench-render-demo"  # noqa: S105 (the throwaway database's demo accounts)


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault(
        "BENCH_DATABASE_URL", f"sqlite:///{tempfile.gettempdir()}/render-bench.sqlite3"
    )
    import django

    django.setup()
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


def measure(client, urls: list[str], requests: int) -> dict:
    """CPU and wall milliseconds (medians of the unprofiled half), statements and function
    calls per request (the profiled half)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls:  # what every learner shares is built now, as on a worker in service
        assert client.get(url + "?warm").status_code == 200, url
        client.get(url + "?warm-again")
    cpu, wall, statements = [], [], []
    profile = cProfile.Profile()
    half = requests // 2
    for i in range(requests):
        url = f"{urls[i % len(urls)]}?render={i}"
        if i < half:
            start, start_cpu = time.perf_counter(), time.thread_time()
            response = client.get(url)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
        else:
            with CaptureQueriesContext(connection) as queries:
                profile.enable()
                response = client.get(url)
                profile.disable()
            statements.append(len(queries))
        assert response.status_code == 200, (url, response.status_code)
    return {
        "cpu": statistics.median(cpu),
        "wall": statistics.median(wall),
        "statements": statistics.median(statements),
        "calls": pstats.Stats(profile).total_calls / (requests - half),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--kinds", default="lesson,module,my_training")
    args = parser.parse_args()
    _setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="officer"))
    client.get("/training/")
    floor = measure(client, [FLOOR], args.requests)
    print(f"load average {os.getloadavg()[0]:.1f}; {args.requests} requests per row")
    print(f"{'':24}{'CPU ms':>8}{'wall ms':>9}{'SQL':>6}{'calls':>9}   floor CPU / page CPU")
    rows = [("signed-in floor", floor)]
    rows += [
        (f"{kind} (rendered)", measure(client, _urls(kind), args.requests))
        for kind in args.kinds.split(",")
    ]
    for label, row in rows:
        print(
            f"{label:24}{row['cpu']:8.2f}{row['wall']:9.2f}{row['statements']:6.0f}"
            f"{row['calls']:9.0f}   {floor['cpu'] / row['cpu']:.3f}"
        )


if __name__ == "__main__":
    main()
