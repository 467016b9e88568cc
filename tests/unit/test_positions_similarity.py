"""Fractional position keys, the Japanese-aware duplicate similarity, and the sorting catalog."""

from __future__ import annotations

import re

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
