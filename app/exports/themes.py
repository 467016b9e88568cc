"""A theme analysis as Excel (theme × year, then a sheet per theme) and as a Word appendix."""

from __future__ import annotations

import io
import re

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_BREAK
from openpyxl import Workbook

from app import i18n
from app.domain.themes import AnalysisView
from app.exports import docx, xlsx

# Characters Excel refuses in a sheet name.
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def theme_year_rows(analysis: AnalysisView) -> tuple[list[str], list[list[object]]]:
    _ = i18n.gettext
    years = analysis.years
    head = [_("Theme"), *[str(y) for y in years], _("Total")]
    rows: list[list[object]] = []
    for theme in analysis.themes:
        if not theme.items:
            continue
        counts = theme.per_year()
        rows.append([theme.title, *[counts.get(y, 0) for y in years], len(theme.items)])
    return head, rows


def workbook(analysis: AnalysisView) -> bytes:
    _ = i18n.gettext
    book = Workbook()
    overview = xlsx.first_sheet(book, _("Themes by year"))
    head, rows = theme_year_rows(analysis)
    xlsx.fill_sheet(overview, head, rows, widths=[60, *[8] * (len(head) - 1)])
    used: set[str] = {overview.title}
    for number, theme in enumerate(analysis.themes, 1):
        if not theme.items:
            continue
        base = f"{number} {_SHEET_UNSAFE.sub(' ', theme.title)}".strip()[:31]
        name, n = base, 2
        while name in used:
            name = f"{base[:28]}~{n}"
            n += 1
        used.add(name)
        sheet = book.create_sheet(name)
        xlsx.fill_sheet(
            sheet,
            [_("Date"), _("Workshop"), _("Group"), _("Text")],
            [
                [
                    item.workshop.date.isoformat() if item.workshop.date else "",
                    item.workshop.title,
                    item.note_group,
                    item.note.text,
                ]
                for item in theme.items
            ],
            widths=[12, 40, 8, 80],
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def appendix(analysis: AnalysisView) -> bytes:
    """The analysis as a Word appendix to the 報告書, in the report's own fonts and page size."""
    document = Document()
    docx.set_fonts(document)
    docx._a4(document)
    document.core_properties.title = analysis.analysis.name
    document.core_properties.author = "Fusen"
    _write(document, analysis, title_style="Title")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def report_with_appendix(report: bytes, analysis: AnalysisView) -> bytes:
    """A workshop's Word report with the analysis appended on a new page."""
    document = Document(io.BytesIO(report))
    # add_page_break() spelled out: python-docx leaves that shortcut unannotated.
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _write(document, analysis, title_style="Heading 1")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _write(document: DocxDocument, analysis: AnalysisView, *, title_style: str) -> None:
    _ = i18n.gettext
    document.add_paragraph(_("Appendix: recurring themes"), style=title_style)
    document.add_paragraph(analysis.analysis.name)
    head, rows = theme_year_rows(analysis)
    table = document.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = text
    for values in rows:
        cells_ = table.add_row().cells
        for cell, value in zip(cells_, values, strict=True):
            cell.text = str(value)
    for theme in analysis.themes:
        if not theme.items:
            continue
        document.add_heading(theme.title, level=2)
        for item in theme.items:
            when = item.workshop.date.isoformat() if item.workshop.date else ""
            document.add_paragraph(
                f"{item.note.text}（{when} {item.note_group}）".replace(" ）", "）"),
                style="List Bullet",
            )
