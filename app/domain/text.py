"""Cleaning what people type before it is stored: one place, so every field agrees."""

from __future__ import annotations

import unicodedata

# Bidirectional overrides and isolates: they can make a name on the projector read backwards.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def plain(value: str | None, *, multiline: bool = False) -> str:
    """NFC, no control characters (PostgreSQL refuses NUL), no bidi overrides, trimmed."""
    text = unicodedata.normalize("NFC", value or "")
    keep = "\n\t" if multiline else ""
    text = "".join(
        ch
        for ch in text
        if ch in keep or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in BIDI_CONTROLS)
    )
    return text.strip()
