"""Benchmark the quiz item analysis on a throwaway database of 50,000 submitted attempts.

    .venv/bin/python bench/item_analysis_bench.py [--attempts 50000] [--people 10000]
                                                  [--database-url postgres://.../bench_items]

(`make bench-items`.) Without --database-url the database is a fresh SQLite file under /tmp;
with it, a PostgreSQL database whose name contains "bench" (emptied). Migrates, runs
seed_demo (the curriculum and its quizzes), then bulk-seeds people in two agencies and
attempts at the seeded quizzes: each a real snapshot drawn from the pool, answers of simulated
ability, and the item rows `attempt_submit` writes (`assessments.services.item_rows`). Then
times `item_analysis()` for every agency, one agency, and one agency and a month, and counts
its queries. Nothing here runs in the test suite or the demo.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report_bench import empty_database, seed_demo, setup_django  # noqa: E402

DEFAULT_SQLITE = Path(tempfile.gettempdir()) / "common-ground-items-bench.sqlite3"
BATCH = 5000


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=50_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    return parser.parse_args(argv)


def seed(attempts: int, people: int, rng: random.Random) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from assessments.models import Attempt, AttemptItem, AttemptPick, Quiz
    from assessments.services import item_rows, quiz_snapshot
    from lms.models import Agency, Person

    quizzes = list(Quiz.objects.filter(live=True).order_by("pk"))
    pools = {}  # each quiz's snapshot of its whole pool, drawn from below (no query per attempt)
    for quiz in quizzes:
        whole = Quiz.objects.get(pk=quiz.pk)
        whole.questions_per_attempt, whole.shuffle = None, False
        pools[quiz.pk] = quiz_snapshot(quiz=whole, rng=rng)
    agencies = [
        Agency.objects.create(name=f"Bench agency {i}", slug=f"bench-items-{i}") for i in (1, 2)
    ]
    user_model = get_user_model()
    unusable = make_password(None)  # bench accounts never sign in
    with transaction.atomic():
        users = user_model.objects.bulk_create(
            user_model(username=f"items-{i}", password=unusable) for i in range(people)
        )
        Person.objects.bulk_create(
            Person(user=u, agency=agencies[i % 2], badge_number=f"B{i}")
            for i, u in enumerate(users)
        )
    ability = {u.pk: rng.uniform(0.3, 0.95) for u in users}
    difficulty = {}
    numbers: dict[tuple[int, int], int] = {}
    now = timezone.now()
    made = 0
    while made < attempts:
        with transaction.atomic():
            rows = []
            for _ in range(min(BATCH, attempts - made)):
                quiz = rng.choice(quizzes)
                user = rng.choice(users)
                number = numbers[(quiz.pk, user.pk)] = numbers.get((quiz.pk, user.pk), 0) + 1
                pool = pools[quiz.pk]
                questions = rng.sample(
                    pool, min(quiz.questions_per_attempt or len(pool), len(pool))
                )
                answers = {}
                for q in questions:
                    d = difficulty.setdefault(q["id"], rng.random())
                    right = [c["id"] for c in q["choices"] if c["correct"]]
                    wrong = [c["id"] for c in q["choices"] if not c["correct"]]
                    if not wrong or rng.random() < ability[user.pk] - 0.4 * d + 0.2:
                        answers[str(q["id"])] = right
                    else:
                        answers[str(q["id"])] = [rng.choices(wrong, [6, 3, 1, 1][: len(wrong)])[0]]
                correct = sum(
                    sorted(answers[str(q["id"])])
                    == sorted(c["id"] for c in q["choices"] if c["correct"])
                    for q in questions
                )
                score = 100 * correct // len(questions)
                submitted = now - timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 600))
                rows.append(
                    Attempt(
                        quiz=quiz,
                        user=user,
                        number=number,
                        questions=questions,
                        pass_mark=quiz.pass_mark,
                        quiz_revision_id=quiz.live_revision_id,
                        started_at=submitted - timedelta(minutes=15),
                        submitted_at=submitted,
                        answers=answers,
                        correct_count=correct,
                        score=score,
                        passed=score >= quiz.pass_mark,
                    )
                )
            Attempt.objects.bulk_create(rows)
            derived = [item_rows(a) for a in rows]
            AttemptItem.objects.bulk_create(
                (i for items, _ in derived for i in items), batch_size=BATCH
            )
            AttemptPick.objects.bulk_create(
                (p for _, picks in derived for p in picks), batch_size=BATCH
            )
            made += len(rows)
        print(f"  {made:,} attempts", flush=True)
    return {"agencies": [a.pk for a in agencies], "quizzes": len(quizzes)}


def measure(runs: int, agencies: list[int]) -> list[tuple[str, float, int, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from assessments.item_analysis import item_analysis

    today = timezone.localdate()
    cases = {
        "every agency": {"agency_ids": None},
        "one agency": {"agency_ids": agencies[:1]},
        "one agency, last 30 days": {
            "agency_ids": agencies[:1],
            "since": today - timedelta(days=30),
            "until": today,
        },
    }
    results = []
    for label, kwargs in cases.items():
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                stats = item_analysis(**kwargs)
                times.append(time.perf_counter() - started)
        results.append((label, statistics.median(times), len(captured), len(stats)))
    return results


def main(argv=None) -> None:
    args = parse_args(argv)
    url = args.database_url or f"sqlite:///{DEFAULT_SQLITE}"
    empty_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    seed_demo()
    started = time.perf_counter()
    print(f"Seeding {args.attempts:,} attempts by {args.people:,} people on {connection.vendor}…")
    info = seed(args.attempts, args.people, random.Random(14))
    print(f"Seeded in {time.perf_counter() - started:.0f} s ({info['quizzes']} quizzes).")
    from assessments.models import AttemptItem, AttemptPick

    print(f"{AttemptItem.objects.count():,} item rows, {AttemptPick.objects.count():,} picks.")
    connection.force_debug_cursor = False
    print(f"\nitem_analysis(), median of {args.runs} runs:")
    for label, seconds, queries, rows in measure(args.runs, info["agencies"]):
        print(f"  {label:<26} {seconds * 1000:8.0f} ms  {queries} queries  {rows} question rows")


if __name__ == "__main__":
    main()
