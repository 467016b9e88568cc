"""Every message the app can show has a Japanese translation, and each request gets its language.

Messages are extracted the way ``pybabel extract -F babel.cfg`` extracts them, so a string added
anywhere in ``app/`` or ``templates/`` without a Japanese translation fails here, by name.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from app import i18n
from app.settings import ROOT

# The same keywords as `pybabel extract -k N_ -k gettext -k ngettext:1,2`, which adds them to
# babel's defaults (among them `_`).
KEYWORDS: dict[str, tuple[object, ...] | None] = {
    **DEFAULT_KEYWORDS,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0\- +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa])")

MessageId = str | tuple[str, ...]


@dataclass
class Extracted:
    """Where each message appears, so a failure names the file a translator should look at."""

    locations: dict[MessageId, list[str]] = field(default_factory=dict)
    python_files: list[Path] = field(default_factory=list)

    def add(self, message: MessageId, location: str) -> None:
        self.locations.setdefault(message, []).append(location)


def _messages_in_fstrings(source: str) -> list[MessageId]:
    """Find keyword calls inside f-strings, which babel's tokenizer cannot see on Python 3.11."""
    found: list[MessageId] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.JoinedStr):
            continue
        for call in ast.walk(node):
            if not isinstance(call, ast.Call):
                continue
            func = call.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in KEYWORDS:
                continue
            spec = KEYWORDS[name] or (1,)
            if not all(isinstance(index, int) for index in spec):
                continue
            texts = [
                arg.value
                for index in spec
                if index <= len(call.args)
                for arg in [call.args[index - 1]]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            ]
            if len(texts) == len(spec):
                found.append(texts[0] if len(texts) == 1 else tuple(texts))
    return found


@functools.cache
def extracted() -> Extracted:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, filename="babel.cfg")
    result = Extracted()

    def visited(filename: str, method: str, options: dict) -> None:
        if method == "python":
            result.python_files.append(ROOT / filename)

    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, callback=visited
    ):
        result.add(message, f"{filename}:{lineno}")
    for path in result.python_files:
        for message in _messages_in_fstrings(path.read_text(encoding="utf-8")):
            result.add(message, f"{path.relative_to(ROOT)} (inside an f-string)")
    return result


@functools.cache
def japanese_catalogs() -> tuple[tuple[Path, Catalog], ...]:
    catalogs = []
    for path in i18n.catalog_files("ja"):
        with path.open("rb") as handle:
            catalogs.append((path, read_po(handle)))
    return tuple(catalogs)


def _is_usable(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return not message.fuzzy and all(strings)


def japanese(message: MessageId) -> str | tuple[str, ...] | None:
    """The translation the merged catalogs give, first file first, as the app merges them."""
    for _path, catalog in japanese_catalogs():
        entry = catalog.get(message)
        if entry is not None and _is_usable(entry):
            return entry.string
    return None


def _placeholders(text: str) -> set[tuple[str, str]]:
    return set(PLACEHOLDER.findall(text))


def _describe(message: MessageId) -> str:
    return " | ".join(message) if isinstance(message, tuple) else message


def test_extraction_reads_app_code_and_templates_and_nothing_else() -> None:
    files = {
        location.split(":")[0] for spots in extracted().locations.values() for location in spots
    }
    assert "templates/participant/index.html" in files
    assert any(name.startswith("app/domain/") for name in files)
    assert not [name for name in files if name.startswith(("tests/", ".venv/", "migrations/"))]


def test_every_extracted_message_has_a_japanese_translation() -> None:
    assert i18n.catalog_files("ja"), "no Japanese catalog found"
    missing = [
        f"{_describe(message)}  ({', '.join(spots)})"
        for message, spots in sorted(extracted().locations.items(), key=lambda item: str(item[0]))
        if japanese(message) is None
    ]
    assert not missing, "messages without a Japanese translation:\n" + "\n".join(missing)


def test_translations_keep_every_placeholder_of_the_english_text() -> None:
    broken = []
    for path, catalog in japanese_catalogs():
        for message in catalog:
            if not message.id:
                continue
            source = message.id[-1] if isinstance(message.id, tuple) else message.id
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                if text and _placeholders(text) != _placeholders(source):
                    broken.append(f"{path.name}: {_describe(message.id)!r} → {text!r}")
    assert not broken, "translations that drop or rename a placeholder:\n" + "\n".join(broken)


def test_translations_format_with_the_parameters_the_code_passes() -> None:
    broken = []
    for path, catalog in japanese_catalogs():
        for message in catalog:
            if not message.id or not message.python_format:
                continue
            source = message.id[-1] if isinstance(message.id, tuple) else message.id
            params = {name: 1 for name, _conversion in _placeholders(source)}
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                try:
                    text % params
                except (KeyError, ValueError, TypeError) as exc:
                    broken.append(f"{path.name}: {text!r} ({exc})")
    assert not broken, "translations that fail to format:\n" + "\n".join(broken)


def test_japanese_catalogs_are_utf8_with_one_plural_form_and_nothing_fuzzy() -> None:
    problems = []
    for path, catalog in japanese_catalogs():
        if str(catalog.locale) != "ja":
            problems.append(f"{path.name}: Language is {catalog.locale!r}, not ja")
        if catalog.charset.lower() != "utf-8":
            problems.append(f"{path.name}: charset is {catalog.charset}")
        if catalog.num_plurals != 1:
            problems.append(f"{path.name}: {catalog.num_plurals} plural forms, Japanese has 1")
        problems += [
            f"{path.name}: fuzzy, so never shown: {_describe(message.id)}"
            for message in catalog
            if message.id and message.fuzzy
        ]
    assert not problems, "\n".join(problems)


def test_calls_inside_fstrings_are_found_as_messages() -> None:
    source = (
        "_ = i18n.gettext\n"
        "line = f\"| {_('Item')} | {i18n.ngettext('%(num)s note', '%(num)s notes', n)} |\"\n"
        "plain = f'{name}'\n"
    )
    assert _messages_in_fstrings(source) == ["Item", ("%(num)s note", "%(num)s notes")]


@pytest.mark.parametrize(
    ("cookie", "accept_language", "expected"),
    [
        ("en", "ja,en;q=0.5", "en"),
        ("ja", "en-US,en;q=0.9", "ja"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "ja,en;q=0.5", "ja"),
        (None, "fr-FR,en;q=0.8,ja;q=0.9", "ja"),
        (None, None, "ja"),
        (None, "", "ja"),
        ("xx", None, "ja"),
    ],
)
def test_negotiate_prefers_the_cookie_then_the_browser_then_japanese(
    cookie: str | None, accept_language: str | None, expected: str
) -> None:
    assert i18n.negotiate(cookie=cookie, accept_language=accept_language, default="ja") == expected


class _Page(HTMLParser):
    """The document language and the text of each top-level heading."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.headings: list[str] = []
        self._in_heading = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        elif tag == "h1":
            self._in_heading = True
            self.headings.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        if self._in_heading:
            self.headings[-1] += data


def _start_page(client: TestClient, headers: dict[str, str]) -> _Page:
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    return _Page(response.text)


def _strip(texts: Iterable[str]) -> list[str]:
    return [text.strip() for text in texts]


def test_start_page_speaks_japanese_to_a_japanese_browser(client: TestClient) -> None:
    expected = japanese("Join a workshop")
    assert isinstance(expected, str) and expected != "Join a workshop"
    page = _start_page(client, {"Accept-Language": "ja"})
    assert page.lang == "ja"
    assert _strip(page.headings) == [expected]


def test_start_page_speaks_english_to_an_english_browser(client: TestClient) -> None:
    page = _start_page(client, {"Accept-Language": "en-US,en;q=0.9"})
    assert page.lang == "en"
    assert _strip(page.headings) == ["Join a workshop"]


def test_language_cookie_beats_the_browser_on_the_start_page(client: TestClient) -> None:
    page = _start_page(client, {"Accept-Language": "ja", "Cookie": f"{i18n.LOCALE_COOKIE}=en"})
    assert page.lang == "en"
    assert _strip(page.headings) == ["Join a workshop"]
