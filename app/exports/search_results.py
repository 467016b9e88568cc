"""Search results and the notes API as files: CSV with a BOM (Excel opens it as UTF-8), JSON
Lines, and Excel; every spreadsheet cell goes through the formula guard in ``cells``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl import Workbook

from app import i18n
from app.domain.search import Hit
from app.exports import cells, xlsx
from app.i18n import N_

BOM = "\ufeff"
KIND_LABELS = {
    "note": N_("Note"),
    "cluster": N_("Cluster title"),
    "question": N_("Question"),
    "answer": N_("Answer"),
    "comment": N_("Comment"),
    "feedback": N_("Feedback"),
}


def kind_label(kind: str) -> str:
    return i18n.gettext(KIND_LABELS.get(kind, kind))


def header() -> list[str]:
    _ = i18n.gettext
    return [
        _("Date"),
        _("Workshop"),
        _("Series"),
        _("Kind"),
        _("Stage"),
        _("Group"),
        _("Organisation"),
        _("Text"),
        _("Time"),
    ]


def row(hit: Hit) -> list[object]:
    stage = hit.stage_label_en if i18n.current_locale() == "en" and hit.stage_label_en else None
    return [
        cells.neutralise(value)
        for value in (
            hit.workshop_date.isoformat() if hit.workshop_date else "",
            hit.workshop_title,
            hit.series,
            kind_label(hit.kind),
            stage or hit.stage_label,
            hit.group,
            hit.organization,
            hit.text,
            cells.local_time(hit.created_at) if hit.created_at else "",
        )
    ]


def csv_chunks(hits: Iterable[Hit]) -> Iterator[bytes]:
    """CSV rows as they are read, so a large download never sits whole in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header())
    for count, hit in enumerate(hits, 1):
        writer.writerow(row(hit))
        if count % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def note_json(hit: Hit) -> dict[str, Any]:
    """A note as the API gives it: no participant names, no internal ids but the note's own."""
    return {
        "id": hit.ref,
        "workshop": {
            "id": hit.workshop_id,
            "title": hit.workshop_title,
            "date": hit.workshop_date.isoformat() if hit.workshop_date else None,
            "series": hit.series or None,
        },
        "stage": hit.stage_key,
        "stage_label": hit.stage_label,
        "group": hit.group,
        "organization": hit.organization,
        "text": hit.text,
        "created_at": hit.created_at.isoformat() if hit.created_at else None,
    }


def jsonl_chunks(hits: Iterable[Hit]) -> Iterator[bytes]:
    lines: list[str] = []
    for hit in hits:
        lines.append(json.dumps(note_json(hit), ensure_ascii=False))
        if len(lines) == 500:
            yield ("\n".join(lines) + "\n").encode("utf-8")
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode("utf-8")


def workbook(hits: Iterable[Hit]) -> bytes:
    book = Workbook()
    sheet = xlsx.first_sheet(book, i18n.gettext("Search results"))
    xlsx.fill_sheet(
        sheet, header(), [row(hit) for hit in hits], widths=[12, 30, 20, 12, 24, 8, 20, 70, 20]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
