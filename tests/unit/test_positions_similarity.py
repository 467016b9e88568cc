"""Fractional position keys, the Japanese-aware duplicate similarity, and the sorting catalog."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from app.domain import positions, similarity
from app.i18n import LOCALE_DIR

KEYS = st.text(alphabet=positions.DIGITS, min_size=1, max_size=8).filter(positions.is_valid)


@given(KEYS, KEYS)
def test_a_key_between_two_keys_sorts_strictly_between_them(a, b):
    if a == b:
        return
    low, high = sorted((a, b))
    key = positions.between(low, high)
    assert low < key < high
    assert positions.is_valid(key)


@given(st.lists(st.booleans(), max_size=60))
def test_repeated_inserts_at_one_spot_keep_order_and_stay_short(fronts):
    keys = ["V"]
    for front in fronts:
        keys.insert(
            0 if front else 1,
            positions.between(None, keys[0])
            if front
            else positions.between(keys[0], keys[1] if len(keys) > 1 else None),
        )
        assert keys == sorted(keys)
        assert len(set(keys)) == len(keys)
    assert max(len(k) for k in keys) <= 12


def test_spread_gives_increasing_keys():
    keys = positions.spread(20)
    assert keys == sorted(keys) and len(set(keys)) == 20


def test_folding_ignores_width_script_punctuation_and_spaces():
    assert similarity.fold("ギョウセイ と　ＡＢＣ。") == similarity.fold("ぎょうせいとabc")


def test_similar_japanese_notes_are_suggested_and_different_ones_are_not():
    notes = [
        ("a", "行政と社協の建物が近いとよい。"),
        ("b", "座談会の実施が有効"),
        ("c", "行政と社協の建物が近いと良い"),
        ("d", "タテとヨコをつなげること"),
    ]
    found = similarity.suggest(notes)
    assert [(s.original_id, s.duplicate_id) for s in found] == [("a", "c")]
    assert similarity.score("タテとヨコをつなげること。", "たてとよこをつなげる") > 0.6
    assert similarity.score("人と人とのつながり", "計画策定には座談会") == 0


def test_every_sorting_message_has_a_japanese_translation_with_the_same_placeholders():
    with (LOCALE_DIR / "ja" / "LC_MESSAGES" / "sorting.po").open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    messages = [m for m in catalog if m.id]
    assert len(messages) > 90
    for message in messages:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), ids
        wanted = set(re.findall(r"%\(\w+\)s", ids[0]))
        assert all(set(re.findall(r"%\(\w+\)s", s)) == wanted for s in strings), ids


def _brute_force(items, threshold=similarity.THRESHOLD):
    found = []
    for i, (first_id, first) in enumerate(items):
        for second_id, second in items[i + 1 :]:
            value = similarity.score(first, second)
            if value >= threshold:
                found.append((first_id, second_id, round(value, 3)))
    return sorted(found, key=lambda f: -f[2])


def test_indexed_suggestions_find_the_same_pairs_as_comparing_every_pair():
    import random

    rng = random.Random(7)
    words = ["子育て", "支援", "地域", "つながり", "居場所", "高齢者", "見守り", "交流", "サロン"]
    items = [
        (f"n{i}", "".join(rng.choice(words) for _ in range(rng.randint(1, 4)))) for i in range(80)
    ]
    expected = _brute_force(items)
    found = similarity.suggest(items)
    assert [s.score for s in found] == [f[2] for f in expected][: similarity.MAX_SUGGESTIONS]
    assert {(s.original_id, s.duplicate_id) for s in found} <= {(a, b) for a, b, _ in expected}


WORDS = (
    "地域 福祉 子育て 支援 高齢者 見守り 居場所 交流 サロン 担い手 不足 行政 社協 連携 情報 共有"
    " 相談 窓口 民生委員 ボランティア 若い世代 参加 ネットワーク 防災 移動 買い物 孤立 予防"
    " 学校 企業 NPO 人材 育成 計画 会議 声かけ 住民 主体 活動 拠点 財源 確保 仕組み づくり"
).split()
PARTICLES = ("が", "の", "と", "を", "に", "が必要", "が大切", "ができていない", "を増やす")


def _realistic_notes(count: int, seed: int) -> list[tuple[str, str]]:
    import random

    rng = random.Random(seed)
    notes = []
    for i in range(count):
        parts = [rng.choice(WORDS) + rng.choice(PARTICLES) for _ in range(rng.randint(2, 6))]
        notes.append((f"n{i}", "".join(parts) + "。"))
    return notes


@pytest.mark.parametrize(
    "items",
    [
        _realistic_notes(2000, 3),
        [(f"n{i}", "地域の見守り活動が大切。") for i in range(2000)],
    ],
    ids=["varied", "all-alike"],
)
def test_suggestions_for_two_thousand_notes_take_well_under_a_second(items):
    import time

    items = list(items)
    items[1500] = ("copy", items[10][1].rstrip("。") + "！")
    # CPU time, not wall time: the figure must not depend on what else the machine runs.
    started = time.process_time()
    found = similarity.suggest(items)
    elapsed = time.process_time() - started
    assert elapsed < 0.8, f"{elapsed:.2f} s of CPU for 2,000 notes"
    assert len(found) == similarity.MAX_SUGGESTIONS
    assert found[0].score == 1.0


def test_a_live_board_folds_each_text_once_however_often_its_suggestions_are_drawn(monkeypatch):
    """Every new note redraws its group's suggestions; the older notes are not folded again."""
    folded: list[str] = []
    fold = similarity.fold

    def counting_fold(text: str) -> str:
        folded.append(text)
        return fold(text)

    monkeypatch.setattr(similarity, "fold", counting_fold)
    similarity._profile.cache_clear()
    notes = [
        (f"n{k}", text)
        for k, text in enumerate(["駐車場が足りない", "担い手の高齢化", "会議が多い"])
    ]
    first = similarity.suggest(notes)
    notes.append(("new", "駐車場がたりない"))
    second = similarity.suggest(notes)
    assert len(folded) == 4
    assert ("n0", "new") in {(s.original_id, s.duplicate_id) for s in second}
    assert ("n0", "new") not in {(s.original_id, s.duplicate_id) for s in first}
    assert second == similarity.suggest(notes)
