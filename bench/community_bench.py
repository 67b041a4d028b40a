"""A room of phones answering a community event's after-survey through the public API.

    .venv/bin/python bench/community_bench.py [--phones 300] [--spread 0] [--workers 2]
                                              [--pg-url postgres://postgres@127.0.0.1:5432/bench_community]

For SQLite (a throwaway file in /tmp) and, with --pg-url, PostgreSQL (a database whose name
contains "bench": it is emptied), each in a process of its own: migrate, make one agency with
its public page on and one event whose after-survey is open (the demo's six statements,
without codes), start gunicorn (sync workers, bench.settings: base settings, DEBUG off) on
127.0.0.1, then let every phone, each on its own connection and thread, GET the survey and
POST its answers. `--spread 0` (the default) is the burst: every phone starts at once, as
when the facilitator says "now"; `--spread 60` spreads the starts evenly over a minute.

All phones come from 127.0.0.1, one address as a room behind one venue router is: the
per-address limit (THROTTLE_COMMUNITY_RESPONSE, 1000/hour) lets a room of 300 answer both
phases. Each run uses a fresh shared cache directory, so the counts start at zero.

Prints, per database: answers stored (checked in the database), wall time from the first
request to the last answer, answers per second over that time, and the POST's and GET's p50
and p99 latency as the phones saw them (queueing included).
"""

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import report_bench  # noqa: E402 (after the path is set)
from bench.http_bench import Server  # noqa: E402

SQLITE_PATH = Path(tempfile.gettempdir()) / "common-ground-community-bench.sqlite3"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--spread", type=float, default=0.0, help="seconds over which to start")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL"))
    parser.add_argument("--database-url", help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.database_url:
        child(args)
        return
    urls = [f"sqlite:///{SQLITE_PATH}"]
    if args.pg_url:
        if "bench" not in args.pg_url.rsplit("/", 1)[-1]:
            sys.exit("The PostgreSQL database's name must contain 'bench': it is emptied.")
        urls.append(args.pg_url)
    results = []
    for url in urls:
        with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
            command = [sys.executable, str(Path(__file__).resolve()), "--database-url", url]
            command += ["--json-out", out.name, "--phones", str(args.phones)]
            command += ["--spread", str(args.spread), "--workers", str(args.workers)]
            subprocess.run(command, check=True, cwd=ROOT)
            results.append(json.load(out))
    mode = "burst" if not args.spread else f"starts spread over {args.spread:g} s"
    print(f"\n{args.phones} phones, {mode}, gunicorn {args.workers} sync workers")
    header = ("database", "stored", "wall s", "answers/s", "POST p50", "POST p99", "GET p99")
    print("{:<12}{:>8}{:>9}{:>11}{:>10}{:>10}{:>10}".format(*header))
    for r in results:
        print(
            f"{r['database']:<12}{r['stored']:>8}{r['wall_s']:>9.2f}{r['per_s']:>11.1f}"
            f"{r['post_p50_ms']:>8.0f}ms{r['post_p99_ms']:>8.0f}ms{r['get_p99_ms']:>8.0f}ms"
        )
        if r["errors"]:
            print(f"  not 201: {r['errors']}")
    print(f"Command: {report_bench.shown_command()}")


def fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm", ".writers"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    os.environ["BENCH_SQLITE_NO_SYNC"] = "1"  # setting up only; the server runs without it
    report_bench.setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if url.startswith("postgres"):
        call_command("flush", interactive=False, verbosity=0)


def make_event() -> tuple[int, list[int]]:
    """One agency with its page on and one event whose after-survey is open."""
    import datetime

    from community.demo import demo_survey
    from community.models import CommunityEvent, EventKind, TransparencyPage
    from lms.models import Agency

    agency = Agency.objects.create(name="Bench Police Department", slug="bench-pd")
    TransparencyPage.objects.create(agency=agency, enabled=True)
    survey = demo_survey()
    event = CommunityEvent.objects.create(
        agency=agency,
        kind=EventKind.FORUM,
        title="Bench forum",
        date=datetime.date.today(),
        place="Hall",
        survey=survey,
        status="open",
        post_open=True,
    )
    return event.pk, list(survey.items.order_by("sort_order", "pk").values_list("pk", flat=True))


def phone(port: int, event_id: int, body: bytes, start_at: float, out: list, index: int):
    """One phone: its own connection; GET the survey, then POST the answers."""
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        began = time.monotonic()
        connection.request("GET", f"/api/v1/public/events/{event_id}/survey/?phase=post")
        connection.getresponse().read()
        got = time.monotonic()
        connection.request(
            "POST",
            f"/api/v1/public/events/{event_id}/responses/",
            body=body,
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        response.read()
        out[index] = (began, got - began, time.monotonic() - got, response.status)
    except OSError as error:
        out[index] = (time.monotonic(), 0.0, 0.0, type(error).__name__)
    finally:
        connection.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def child(args: argparse.Namespace) -> None:
    url = args.database_url
    cache = tempfile.mkdtemp(prefix="cg-community-bench-cache-")
    os.environ["BENCH_SHARED_CACHE_DIR"] = cache
    try:
        fresh_database(url)
        event_id, items = make_event()
        from django.db import connections

        connections.close_all()
        values = [4, 3, 4, 5, 4, 2]
        with Server(url, args.workers) as server:
            port = server.port
            results: list = [None] * args.phones
            start = time.monotonic() + 0.5
            step = args.spread / args.phones if args.spread else 0.0
            threads = []
            for i in range(args.phones):
                answers = {str(pk): values[(i + n) % len(values)] for n, pk in enumerate(items)}
                body = json.dumps({"phase": "post", "answers": answers, "role": "resident"})
                thread = threading.Thread(
                    target=phone,
                    args=(port, event_id, body.encode(), start + i * step, results, i),
                )
                thread.start()
                threads.append(thread)
            for thread in threads:
                thread.join()
        from community.models import CommunityResponse

        stored = CommunityResponse.objects.filter(event_id=event_id).count()
        first = min(r[0] for r in results)
        last = max(r[0] + r[1] + r[2] for r in results)
        errors = (
            statistics.multimode([r[3] for r in results if r[3] != 201])
            if any(r[3] != 201 for r in results)
            else []
        )
        summary = {
            "database": "PostgreSQL" if url.startswith("postgres") else "SQLite",
            "stored": stored,
            "wall_s": last - first,
            "per_s": stored / (last - first),
            "post_p50_ms": percentile([r[2] for r in results], 50),
            "post_p99_ms": percentile([r[2] for r in results], 99),
            "get_p99_ms": percentile([r[1] for r in results], 99),
            "errors": [str(e) for e in errors],
        }
        Path(args.json_out).write_text(json.dumps(summary))
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
