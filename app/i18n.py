"""Japanese and English from gettext catalogs; the locale follows the request.

Catalogs are compiled from the ``.po`` files in memory at start, so no build step and no binary
``.mo`` files in the repository.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("ja", "en")
DEFAULT_LOCALE = "ja"
LOCALE_COOKIE = "fusen_lang"
LOCALE_DIR = Path(__file__).parent / "locales"

_current: ContextVar[str] = ContextVar("fusen_locale", default=DEFAULT_LOCALE)
_catalogs: dict[str, NullTranslations] = {}


def catalog_files(locale: str) -> list[Path]:
    """All ``.po`` files of a locale: ``messages.po`` plus one per feature area, merged in order."""
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    return sorted(folder.glob("*.po")) if folder.exists() else []


def _load(locale: str) -> NullTranslations:
    merged: NullTranslations | None = None
    for path in catalog_files(locale):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        translations = Translations(buffer)
        if merged is None:
            merged = translations
        else:
            merged.add_fallback(translations)
    return merged or NullTranslations()


def translations(locale: str) -> NullTranslations:
    if locale not in _catalogs:
        _catalogs[locale] = _load(locale)
    return _catalogs[locale]


def current_locale() -> str:
    return _current.get()


@contextlib.contextmanager
def use_locale(locale: str) -> Iterator[None]:
    token = _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current.reset(token)


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def gettext(message: str, **params: object) -> str:
    text = translations(_current.get()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(_current.get()).ngettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated later, where the locale is known."""
    return message


def negotiate(*, cookie: str | None, accept_language: str | None, default: str) -> str:
    """Pick the user's explicit choice, then the browser's preference, then the default."""
    if cookie in LOCALES:
        return cookie
    for tag, _quality in _parse_accept_language(accept_language or ""):
        primary = tag.split("-")[0].lower()
        if primary in LOCALES:
            return primary
    return default if default in LOCALES else DEFAULT_LOCALE


def _parse_accept_language(header: str) -> list[tuple[str, float]]:
    ranked: list[tuple[str, float]] = []
    for part in header.split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((tag.strip(), quality))
    return sorted(ranked, key=lambda item: item[1], reverse=True)
