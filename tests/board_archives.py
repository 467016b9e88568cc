"""Workshop archives of a given size, imported in one request: boards of hundreds of notes
without hundreds of posts (the archive import writes one ``note.created`` event per note)."""

from __future__ import annotations

from typing import Any

from app.domain import positions

PHRASES = (
    "地域の見守り活動を広げたい",
    "担当者以外にも共通理解が必要",
    "若い世代の参加が少ない",
    "行政と社協の建物が近いとよい",
    "サロンの場所が足りない",
    "移動手段がない高齢者への支援",
    "情報が届かない世帯がある",
    "ボランティアの高齢化が進んでいる",
)
STAGES = [
    {"key": "strengths", "label": "①他に伝えたいイイトコロ", "status": "locked"},
    {"key": "shared_issues", "label": "②共通する課題", "status": "locked"},
    {
        "key": "hard_problems",
        "label": "③②の中でも解決が難しそうなこと",
        "kind": "select",
        "draws_from": "shared_issues",
        "status": "locked",
    },
]


def note_text(group: int, number: int, length: int) -> str:
    """A note of about ``length`` characters, distinct per group and number."""
    base = f"{group + 1}G{number:02d} " + PHRASES[(group * 7 + number) % len(PHRASES)]
    while len(base) < length:
        base += "、" + PHRASES[(number + len(base)) % len(PHRASES)]
    return base[:length]


def board_archive(
    *,
    groups: int = 5,
    per_group: int = 20,
    length: int = 20,
    long_every: int = 0,
    clusters_per_group: int = 0,
    current: str = "shared_issues",
) -> dict[str, Any]:
    """Notes of ② for ``groups`` groups; with clusters (titled) holding half of each group's
    notes; every ``long_every``-th note is three times as long. ``current`` is left open."""
    stages = [{**s, "status": "open" if s["key"] == current else s["status"]} for s in STAGES]
    names = [f"{g + 1}G" for g in range(groups)]
    notes: list[dict[str, Any]] = []
    piles: list[dict[str, Any]] = []
    for g, name in enumerate(names):
        refs = [f"c{g}-{c}" for c in range(clusters_per_group)]
        keys = positions.spread(len(refs))
        for ref, key, c in zip(refs, keys, range(len(refs)), strict=True):
            piles.append(
                {
                    "ref": ref,
                    "stage": "shared_issues",
                    "group": name,
                    "title": f"{name}のまとまり{c + 1}",
                    "position": key,
                }
            )
        clustered = per_group // 2 if refs else 0
        note_keys = positions.spread(clustered)
        for n in range(per_group):
            size = length * 3 if long_every and n % long_every == long_every - 1 else length
            note: dict[str, Any] = {
                "ref": f"n{g}-{n}",
                "stage": "shared_issues",
                "group": name,
                "by_staff": True,
                "text": note_text(g, n, size),
            }
            if n < clustered:
                note["cluster"] = refs[n % len(refs)]
                note["position"] = note_keys[n]
            notes.append(note)
    return {
        "kind": "fusen-workshop-archive",
        "version": 1,
        "workshop": {"title": "地域福祉ワークショップ", "status": "live", "current_stage": current},
        "stages": stages,
        "groups": names,
        "notes": notes,
        "clusters": piles,
    }
