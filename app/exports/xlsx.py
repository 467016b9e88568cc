"""The report as an Excel workbook: overview, notes, Q&A, comments and feedback sheets."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app import i18n
from app.exports import cells, layout
from app.exports.report import Report

HEADER_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_WIDTH = 60


def first_sheet(book: Workbook, title: str) -> Worksheet:
    """The worksheet a new workbook starts with, given its title (Excel allows 31 characters)."""
    sheet = book.active
    if not isinstance(sheet, Worksheet):
        raise TypeError("a new workbook starts with one worksheet")
    sheet.title = title[:31]
    return sheet


def render(report: Report) -> bytes:
    _ = i18n.gettext
    book = Workbook()
    overview = first_sheet(book, _("Overview"))
    rows: list[list[object]] = [[_("Title"), report.title]]
    rows += [[label, value] for label, value in layout.header_rows(report)]
    rows += [[title, text] for title, text in layout.sections(report)]
    rows += [[_("Steps"), "\n".join(report.steps)]] if report.steps else []
    rows += [[_("Closing summary"), report.closing_summary]] if report.closing_summary else []
    rows += [[_("Notes"), report.note_count]]
    fill_sheet(overview, [_("Item"), _("Details")], rows, widths=[24, 80])

    notes = book.create_sheet(_("Notes")[:31])
    fill_sheet(
        notes,
        cells.note_header(),
        cells.note_table(report),
        widths=[8, 24, 16, 60, 12, 16, 8, 8, 12, 20],
    )

    qa = book.create_sheet(_("Q&A")[:31])
    qa_rows: list[list[object]] = []
    for n, question in enumerate(report.questions, 1):
        answers = question.answers or ()
        if not answers:
            qa_rows.append([n, question.organization, question.text, "", "", question.remark])
        for index, answer in enumerate(answers):
            qa_rows.append(
                [
                    n,
                    question.organization,
                    question.text,
                    answer.organization,
                    answer.text,
                    question.remark if index == 0 else "",
                ]
            )
    qa_header = [
        _("No."),
        _("Asked by"),
        _("Question"),
        _("Answered by"),
        _("Answer"),
        _("Remark"),
    ]
    fill_sheet(qa, qa_header, qa_rows, widths=[6, 16, 50, 16, 60, 30])

    comments = book.create_sheet(_("Comments")[:31])
    fill_sheet(
        comments,
        [_("Role"), _("Name"), _("Organisation"), _("Comment")],
        [[c.label, c.name, c.organization, c.text] for c in report.comments],
        widths=[16, 20, 20, 80],
    )

    feedback = book.create_sheet(_("Feedback")[:31])
    fill_sheet(
        feedback,
        [_("Feedback"), _("Rating"), _("Name"), _("Organisation"), _("Time")],
        [
            [f.text, f.rating, f.name, f.organization, cells.local_time(f.created_at)]
            for f in report.feedback
        ],
        widths=[80, 8, 16, 20, 20],
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def fill_sheet(
    sheet: Worksheet,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    widths: Sequence[int],
) -> None:
    """Write a table with a frozen, filterable header; every text cell is neutralised."""
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for row in rows:
        sheet.append([cells.neutralise(value) for value in row])
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width, MAX_WIDTH + 20)
    wide = {i for i, width in enumerate(widths, 1) if width >= 30}
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":
                # openpyxl reads any string starting with "=" as a formula; neutralise has
                # already prefixed those, so this only guards against a future slip.
                cell.data_type = "s"
            if cell.column in wide:
                cell.alignment = WRAP
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(1, len(rows) + 1)}"
