"""Sortable position keys (fractional indexing): a move writes one row, never renumbers a list.

Keys are strings over base-62 digits compared as plain strings (byte order = ASCII order, which
SQLite and PostgreSQL's ``C`` collation agree on; we sort in Python anyway). A key never ends in
the zero digit, so there is always room between two keys.
"""

from __future__ import annotations

from collections.abc import Sequence

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_INDEX = {digit: value for value, digit in enumerate(DIGITS)}
BASE = len(DIGITS)


def _midpoint(low: str, high: str | None) -> str:
    """A key strictly between ``low`` and ``high`` (``None`` = above everything)."""
    if high is not None:
        common = 0
        while common < len(high) and (low[common] if common < len(low) else "0") == high[common]:
            common += 1
        if common:
            return high[:common] + _midpoint(low[common:], high[common:])
    digit_low = _INDEX[low[0]] if low else 0
    digit_high = _INDEX[high[0]] if high is not None else BASE
    if digit_high - digit_low > 1:
        return DIGITS[(digit_low + digit_high) // 2]
    if high is not None and len(high) > 1:
        return high[:1]
    return DIGITS[digit_low] + _midpoint(low[1:], None)


def is_valid(key: str) -> bool:
    return bool(key) and not key.endswith("0") and all(ch in _INDEX for ch in key)


def between(low: str | None, high: str | None) -> str:
    """The key to give an item placed after ``low`` and before ``high`` (either may be absent)."""
    low = low or ""
    if high is not None and high == "":
        high = None
    if high is not None and low >= high:
        raise ValueError(f"{low!r} is not below {high!r}")
    return _midpoint(low, high)


def after(keys: Sequence[str]) -> str:
    """A key after all of ``keys``."""
    return between(max(keys) if keys else None, None)


def spread(count: int) -> list[str]:
    """``count`` increasing keys, for placing a batch of items at once."""
    keys: list[str] = []
    for _ in range(count):
        keys.append(between(keys[-1] if keys else None, None))
    return keys
