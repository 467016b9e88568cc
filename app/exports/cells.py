"""Spreadsheet cells that a spreadsheet never evaluates, whatever a participant typed."""

from __future__ import annotations

import datetime as dt

from app import i18n
from app.exports import layout
from app.exports.report import Report

# A cell starting with one of these is a formula (or becomes one) in Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a would-be formula with an apostrophe, the convention Excel itself shows for text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def local_time(value: dt.datetime) -> str:
    """Times as the secretariat reads them: local to the server, to the second, no zone suffix."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def note_header() -> list[str]:
    _ = i18n.gettext
    return [
        _("Group"),
        _("Stage"),
        _("Cluster"),
        _("Text"),
        _("Name"),
        _("Organisation"),
        _("Votes"),
        _("Selected"),
        _("Duplicate of"),
        _("Time"),
    ]


def note_table(report: Report) -> list[list[object]]:
    """One row per note, the columns of ``note_header``; cells already neutralised."""
    yes = i18n.gettext("yes")
    rows: list[list[object]] = []
    for group, stage, note in report.note_rows():
        rows.append(
            [
                neutralise(value)
                for value in (
                    group.name,
                    layout.stage_label(stage),
                    note.cluster,
                    note.text,
                    note.name,
                    note.organization,
                    note.votes,
                    yes if note.selected else "",
                    note.duplicate_of or "",
                    local_time(note.created_at),
                )
            ]
        )
    return rows
