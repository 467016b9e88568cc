"""The notes as CSV: UTF-8 with a BOM and CRLF, so Excel on Windows opens Japanese text as is."""

from __future__ import annotations

import csv
import io

from app.exports import cells
from app.exports.report import Report


def render(report: Report) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(cells.note_header())
    writer.writerows(cells.note_table(report))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
