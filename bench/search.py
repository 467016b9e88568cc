"""Search over 100 workshops × 1,000 notes, and themes over 10,000 notes.

Builds a fresh database (SQLite file, or a new PostgreSQL database when ``--postgres URL`` is
given), writes generated notes straight into the tables (the search index fills through its
triggers, as in production), then times ``search.search`` for a set of queries as an admin
and as a facilitator who runs 10 of the workshops, and prints p50/p95 per query. With
``--themes`` it also clusters 10,000 generated notes three times and checks the results agree.

    .venv/bin/python bench/search.py
    .venv/bin/python bench/search.py --postgres postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/search.py --themes
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from app.db import Database  # noqa: E402
from app.domain import search, themes  # noqa: E402
from app.models import Group, Note, Participant, Stage, User, Workshop  # noqa: E402
from bench import corpus  # noqa: E402

QUERIES = [
    ("見守り", {}),
    ("担い手", {}),
    ("会場が見つからない", {}),
    ("担い", {}),
    ("マンネリ 子ども食堂", {}),
    ("ボランティア", {"stage_key": "shared_issues", "date_from": dt.date(2020, 1, 1)}),
    ("該当しない語句", {}),
]
STAGES = [("strengths", "①他に伝えたいイイトコロ"), ("shared_issues", "②共通する課題")]
GROUPS = ["1G", "2G", "3G", "4G", "5G"]
ORGANISATIONS = ["日立市社協", "笠間市社協", "牛久市社協", "那珂市社協"]


def build(db: Database, workshops: int, per_workshop: int) -> tuple[User, User]:
    rng = random.Random(7)
    with db.write_session() as session:
        # Nobody signs in: the search runs as these users directly.
        unusable = "!"
        admin = User(username="bench-admin", password_hash=unusable, role="admin")
        facilitator = User(username="bench-facilitator", password_hash=unusable)
        session.add_all([admin, facilitator])
        session.commit()
        for w in range(workshops):
            workshop = Workshop(
                title=f"地域福祉推進会議 {w + 1}",
                format_key="open-meeting",
                date=dt.date(2015 + w // 10, 9, 1 + w % 10),
                join_code=uuid.uuid4().hex[:8],
                owner_id=facilitator.id if w % 10 == 0 else admin.id,
            )
            session.add(workshop)
            session.flush()
            stages = [
                Stage(workshop_id=workshop.id, position=i, key=key, label=label)
                for i, (key, label) in enumerate(STAGES)
            ]
            groups = [
                Group(workshop_id=workshop.id, name=n, position=i) for i, n in enumerate(GROUPS)
            ]
            session.add_all([*stages, *groups])
            session.flush()
            people = [
                Participant(
                    workshop_id=workshop.id,
                    group_id=g.id,
                    organization=rng.choice(
                        ["日立市社協", "笠間市社協", "牛久市社協", "那珂市社協"]
                    ),
                    token_hash=uuid.uuid4().hex,
                )
                for g in groups
            ]
            session.add_all(people)
            session.flush()
            rows = []
            for n in range(per_workshop):
                person = people[n % len(people)]
                rows.append(
                    {
                        "id": str(uuid.uuid4()),
                        "workshop_id": workshop.id,
                        "stage_id": stages[n % 2].id,
                        "group_id": person.group_id,
                        "participant_id": person.id,
                        "text": corpus.note_text(rng),
                        "created_seq": n + 1,
                        "position": "",
                    }
                )
            session.execute(insert(Note), rows)
            session.commit()
    return admin, facilitator


def time_queries(db: Database, users: tuple[User, User], runs: int) -> None:
    print(f"{'query':<28} {'as':<12} {'hits':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for text, extra in QUERIES:
        for user in users:
            filters = search.Filters(query=text, **extra)
            timings = []
            hits = 0
            for _ in range(runs):
                with db.read_session() as session:
                    started = time.perf_counter()
                    page = search.search(session, user=user, filters=filters, limit=50)
                    timings.append((time.perf_counter() - started) * 1000)
                    hits = len(page.hits)
            timings.sort()
            p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
            label = text + (" +filters" if extra else "")
            p50 = statistics.median(timings)
            print(f"{label:<28} {user.role:<12} {hits:>5} {p50:>8.1f} {p95:>8.1f}")


def bench_themes(count: int) -> None:
    texts = corpus.notes(count, seed=21)
    results, timings = [], []
    for _ in range(3):
        started = time.perf_counter()
        results.append(themes.cluster(texts))
        timings.append(time.perf_counter() - started)
    same = all(r == results[0] for r in results)
    print(
        f"themes over {count:,} notes: {len(results[0])} themes, "
        f"{min(timings):.2f} s best, {statistics.median(timings):.2f} s median, "
        f"identical on every run: {same}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="PostgreSQL server URL; a new database is made on it")
    parser.add_argument("--workshops", type=int, default=100)
    parser.add_argument("--notes", type=int, default=1000, help="notes per workshop")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--themes", action="store_true", help="also time themes over 10,000 notes")
    parser.add_argument("--keep", action="store_true", help="keep the database and print its URL")
    args = parser.parse_args()
    if args.themes:
        bench_themes(10_000)
    cleanup = None
    if args.postgres:
        import psycopg

        name = f"fusen_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = args.postgres.rsplit("/", 1)[0] + "/" + name

        def cleanup() -> None:
            with psycopg.connect(args.postgres, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    db = Database(url)
    try:
        db.migrate()
        started = time.perf_counter()
        users = build(db, args.workshops, args.notes)
        print(
            f"{db.engine.dialect.name}: {args.workshops * args.notes:,} notes written and "
            f"indexed in {time.perf_counter() - started:.0f} s"
        )
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
        time_queries(db, users, args.runs)
    finally:
        db.dispose()
        if args.keep:
            print(f"kept: {url}")
        elif cleanup:
            cleanup()


if __name__ == "__main__":
    main()
