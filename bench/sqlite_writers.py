"""What the SQLite writers queue (lms.db.sqlite3) buys: concurrent writers on one file database.

Each of WORKERS processes runs TRANSACTIONS transactions as the app does (transaction.atomic,
IMMEDIATE, WAL, synchronous NORMAL): a read, an insert, a short pause for the work a request
does while holding the lock. Run once with Django's own SQLite backend (waiters sleep in
SQLite's busy handler) and once with ours (waiters queue on a file lock), back to back:

    .venv/bin/python bench/sqlite_writers.py [--workers 4] [--transactions 300] [--hold-ms 2]
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENGINES = {"django": "django.db.backends.sqlite3", "queue": "lms.db.sqlite3"}


def _worker(engine: str, name: str, transactions: int, hold: float, start, results) -> None:
    sys.path.insert(0, str(REPO))
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={
            "default": {
                "ENGINE": engine,
                "NAME": name,
                "OPTIONS": {
                    "transaction_mode": "IMMEDIATE",
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
                },
            }
        }
    )
    django.setup()
    from django.db import OperationalError, connection, transaction

    connection.ensure_connection()
    start.wait()  # every worker set up before any writes: they contend from the first
    latencies, failures = [], 0
    for i in range(transactions):
        began = time.perf_counter()
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM rows")
                cursor.execute("INSERT INTO rows (value) VALUES (%s)", [i])
                time.sleep(hold)
        except OperationalError:
            failures += 1
        latencies.append(time.perf_counter() - began)
    results.put((latencies, failures))


def run(engine: str, *, workers: int, transactions: int, hold: float) -> dict:
    import sqlite3

    with tempfile.TemporaryDirectory() as directory:
        name = os.path.join(directory, "writers.sqlite3")
        with sqlite3.connect(name) as setup:
            setup.execute("CREATE TABLE rows (value INTEGER)")
        results = multiprocessing.Queue()
        start = multiprocessing.Barrier(workers + 1)
        processes = [
            multiprocessing.Process(
                target=_worker, args=(engine, name, transactions, hold, start, results)
            )
            for _ in range(workers)
        ]
        for process in processes:
            process.start()
        start.wait()
        started = time.perf_counter()
        outcomes = [results.get() for _ in processes]
        for process in processes:
            process.join()
        elapsed = time.perf_counter() - started
    latencies = sorted(t for lats, _ in outcomes for t in lats)
    return {
        "per_second": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "failed": sum(f for _, f in outcomes),
        "total": len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--transactions", type=int, default=300)
    parser.add_argument("--hold-ms", type=float, default=2.0)
    args = parser.parse_args()
    print(
        f"{args.workers} processes × {args.transactions} transactions, "
        f"each holding the write lock ~{args.hold_ms} ms"
    )
    for label, engine in ENGINES.items():
        r = run(
            engine, workers=args.workers, transactions=args.transactions, hold=args.hold_ms / 1000
        )
        print(
            f"  {label:6} {engine:28} {r['per_second']:7.0f} transactions/s  "
            f"p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
            f"failed {r['failed']} of {r['total']}"
        )


if __name__ == "__main__":
    main()
