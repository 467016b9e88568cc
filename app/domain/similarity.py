"""Japanese-aware text similarity for duplicate suggestions; no model, no download.

Notes written on phones differ in width (ＡＢＣ／ABC), script (カナ／かな), punctuation and
spacing more than in wording. We fold all of those away, then compare character bigrams with
the Dice coefficient: robust for short Japanese sentences, which have no spaces between words.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

THRESHOLD = 0.5
MAX_SUGGESTIONS = 10
MAX_POSTING = 100
MAX_CANDIDATES = 10
# Texts whose bigrams are kept (a few KB each): a stage holds at most 2,000 live notes.
PROFILE_CACHE_SIZE = 4096

_KATAKANA_START, _KATAKANA_END = 0x30A1, 0x30F6
_KANA_SHIFT = 0x60
# Long vowel marks and iteration marks carry little meaning when comparing notes.
_DROPPED = set("ー〜～・")


def fold(text: str) -> str:
    """NFKC (full/half width), lower case, katakana → hiragana, without punctuation or spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    out = []
    for ch in text:
        code = ord(ch)
        if _KATAKANA_START <= code <= _KATAKANA_END:
            ch = chr(code - _KANA_SHIFT)
        if ch in _DROPPED:
            continue
        category = unicodedata.category(ch)
        if category[0] in ("P", "Z", "S", "C"):
            continue
        out.append(ch)
    return "".join(out)


def grams(text: str, n: int = 2) -> Counter[str]:
    folded = fold(text)
    if len(folded) < n:
        return Counter([folded]) if folded else Counter()
    return Counter(folded[i : i + n] for i in range(len(folded) - n + 1))


def score(a: str, b: str) -> float:
    """Dice coefficient of the character bigrams of the folded texts (0 … 1)."""
    left, right = grams(a), grams(b)
    total = sum(left.values()) + sum(right.values())
    if not total:
        return 0.0
    return 2 * sum((left & right).values()) / total


@dataclass(frozen=True)
class Suggestion:
    original_id: str
    duplicate_id: str
    score: float


class _Profile(NamedTuple):
    grams: Counter[str]
    total: int
    # A bigram seen twice becomes (gram, 0) and (gram, 1): multiset overlap as a set
    # intersection, which runs in C.
    bag: frozenset[tuple[str, int]]


@lru_cache(maxsize=PROFILE_CACHE_SIZE)
def _profile(text: str) -> _Profile:
    """A text's bigrams, folded once: a live board asks for its group's suggestions on every new
    note, and folding every text again was two thirds of the work (8 ms at 150 notes)."""
    counts = grams(text)
    bag = frozenset((gram, k) for gram, n in counts.items() for k in range(n))
    return _Profile(counts, sum(counts.values()), bag)


def suggest(items: Sequence[tuple[str, str]], *, threshold: float = THRESHOLD) -> list[Suggestion]:
    """Likely duplicate pairs among ``(id, text)`` items given oldest first; the newer folds.

    Comparing every pair costs the square of the notes (2,000 notes: two million pairs, 40 s).
    Two notes can only reach the threshold if they share enough bigrams, and then they share one
    among the rarest of either's bigrams (prefix filtering): each note is indexed and looked up
    by its rarest bigrams only, so candidates come from short lists. A bigram list longer than
    ``MAX_POSTING`` says little about any two notes and is no longer used, and each note is compared
    with at most ``MAX_CANDIDATES`` earlier notes, those sharing the most rare bigrams.
    """
    profiles = [_profile(text) for _, text in items]
    prepared = [
        (item_id, profile.grams) for (item_id, _), profile in zip(items, profiles, strict=True)
    ]
    totals = [profile.total for profile in profiles]
    bags = [profile.bag for profile in profiles]
    frequency: Counter[str] = Counter()
    for _, counts in prepared:
        frequency.update(counts.keys())
    # Share of a note's bigrams that may be missing from another while Dice still reaches the
    # threshold; the rest (its rarest first) must include a shared one.
    keep = threshold / (2 - threshold) if threshold < 2 else 1.0
    index: dict[str, list[int]] = {}
    found: list[tuple[float, int, int, Suggestion]] = []
    for later, (later_id, later_grams) in enumerate(prepared):
        ordered = sorted(later_grams, key=lambda gram: (frequency[gram], gram))
        prefix = ordered[: len(ordered) - math.ceil(keep * len(ordered)) + 1]
        shared: Counter[int] = Counter()
        for gram in prefix:
            earlier = index.setdefault(gram, [])
            if len(earlier) < MAX_POSTING:
                shared.update(earlier)
                earlier.append(later)
        for first, _count in shared.most_common(MAX_CANDIDATES):
            first_id = prepared[first][0]
            total = totals[first] + totals[later]
            common = len(bags[first] & bags[later])
            value = 2 * common / total if total else 0.0
            if value >= threshold:
                rounded = round(value, 3)
                found.append((-rounded, first, later, Suggestion(first_id, later_id, rounded)))
    found.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in found[:MAX_SUGGESTIONS]]
