"""Report export timing: every download format for a generated 1,000-note, 10-group workshop.

Builds the workshop in a fresh SQLite database through the domain functions (as the API would),
with Q&A, comments, feedback and report details, then renders each format several times and
prints the median and worst wall time of one download: building the Report from the database
plus rendering it. The goal is at most one second per format on a two-core machine.

    .venv/bin/python bench/report_formats.py --notes 1000 --groups 10 --runs 5
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import i18n  # noqa: E402
from app.db import Database  # noqa: E402
from app.domain import formats, participants, records, workshops  # noqa: E402
from app.domain import notes as notes_domain  # noqa: E402
from app.exports import registry  # noqa: E402

PHRASES = (
    "地域担当職員制度をとっている",
    "行政と社協の建物が近いとよい",
    "座談会の実施が有効",
    "担当者以外の共通理解を図る",
    "行政担当者が異動しても連携を維持する",
    "人と人とのつながりをつくる",
    "活動計画から社協が見えにくい",
    "市民の声が活動計画に反映されている",
    "タテとヨコをつなげる",
    "日常の社協活動に活かせる計画",
    "生活支援体制整備事業を機につながった",
    "情報を共有する仕組み",
)
ORGANISATIONS = (
    "日立市",
    "龍ヶ崎市",
    "常陸太田市",
    "笠間市",
    "牛久市",
    "鹿嶋市",
    "守谷市",
    "那珂市",
)


def generate(db: Database, *, notes: int, groups: int, seed: int) -> int:
    rng = random.Random(seed)
    stages = [
        *formats.get_format("open-meeting").stages,
        formats.StageSpec(key="qa", label="質疑応答", kind="qa", scope="plenary"),
        formats.StageSpec(key="feedback", label="感想", kind="feedback", scope="plenary"),
    ]
    with db.write_session() as session:
        workshop = workshops.create_workshop(
            session=session,
            title="ベンチマーク用ワークショップ",
            stages=stages,
            groups=[f"{n}G" for n in range(1, groups + 1)],
        )
        people = [
            participants.join(
                session=session,
                workshop=workshop,
                group=f"{n % groups + 1}G",
                name=f"参加者{n}",
                organization=rng.choice(ORGANISATIONS) + "社協",
            ).participant
            for n in range(groups * 4)
        ]
        post_stages = [s.key for s in stages if s.kind in formats.POSTABLE_KINDS]
        per_stage = -(-notes // len(post_stages))
        posted = 0
        for key in post_stages:
            workshops.open_stage(session=session, workshop=workshop, key=key)
            for _ in range(min(per_stage, notes - posted)):
                person = rng.choice(people)
                text = "。".join(rng.sample(PHRASES, rng.randint(1, 3))) + f"（{posted + 1}）"
                notes_domain.post_note(
                    session=session,
                    workshop=workshop,
                    actor=notes_domain.Actor(participant=person),
                    stage_key=key,
                    text=text,
                )
                posted += 1
        recorder = people[0]
        recorder.role = "recorder"
        session.add(recorder)
        actor = notes_domain.Actor(participant=recorder)
        for n in range(10):
            question = records.ask_question(
                session=session,
                workshop=workshop,
                actor=actor,
                text=f"質問{n}：" + rng.choice(PHRASES),
                organization=rng.choice(ORGANISATIONS),
            )
            for _ in range(2):
                records.answer_question(
                    session=session,
                    workshop=workshop,
                    actor=actor,
                    question_id=question.id,
                    organization=rng.choice(ORGANISATIONS),
                    text=rng.choice(PHRASES) + "。",
                )
        for role in ("advisor", "presenter", "facilitator"):
            records.add_comment(
                session=session,
                workshop=workshop,
                actor=actor,
                role=role,
                name="氏名",
                text="。".join(PHRASES[:4]),
            )
        workshops.open_stage(session=session, workshop=workshop, key="feedback")
        for person in people:
            records.give_feedback(
                session=session,
                workshop=workshop,
                actor=notes_domain.Actor(participant=person),
                text=rng.choice(PHRASES),
                rating=rng.randint(1, 5),
            )
        records.update_details(
            session=session,
            workshop=workshop,
            changes={
                "organizations": list(ORGANISATIONS),
                "purpose": PHRASES[0],
                "theme": PHRASES[1],
            },
        )
        session.commit()
        return workshop.id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        db.migrate()
        started = time.perf_counter()
        workshop_id = generate(db, notes=args.notes, groups=args.groups, seed=args.seed)
        print(
            f"generated {args.notes} notes in {args.groups} groups "
            f"in {time.perf_counter() - started:.2f} s"
        )
        print(f"{'format':<6} {'median s':>9} {'worst s':>8} {'size':>10}")
        worst_of_all = 0.0
        with i18n.use_locale("ja"), db.read_session() as session:
            workshop = workshops.get(session, workshop_id)
            for extension in registry.FORMATS:
                timings, size = [], 0
                for _ in range(args.runs + 1):  # the first run warms imports and font caches
                    begin = time.perf_counter()
                    size = len(registry.render(session, workshop, extension))
                    timings.append(time.perf_counter() - begin)
                timings = timings[1:]
                worst_of_all = max(worst_of_all, max(timings))
                print(
                    f"{extension:<6} {statistics.median(timings):>9.3f} {max(timings):>8.3f} "
                    f"{size:>10,}"
                )
        db.dispose()
    print(f"slowest single download: {worst_of_all:.3f} s (goal: each ≤ 1 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
