"""The security area's Japanese catalog: complete for its messages, placeholders kept."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from app import i18n
from app.domain import audit

CATALOG = i18n.LOCALE_DIR / "ja" / "LC_MESSAGES" / "security.po"


def _catalog():  # type: ignore[no-untyped-def]
    with CATALOG.open("rb") as handle:
        return read_po(handle, locale="ja")


def test_every_translation_keeps_its_placeholders():
    for message in _catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\((\w+)\)s", ids[-1]))
        for text in strings:
            assert text, f"untranslated: {ids[0]}"
            assert set(re.findall(r"%\((\w+)\)s", text)) == wanted, ids[0]


def test_audit_actions_and_rate_limit_messages_read_in_japanese():
    with i18n.use_locale("ja"):
        for label in audit.ACTIONS.values():
            assert i18n.gettext(label) != label
        message = i18n.gettext(
            "You are posting very quickly. Wait %(seconds)s seconds and try again.", seconds=5
        )
    assert "5秒" in message
