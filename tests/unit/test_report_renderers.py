"""Renderers read a plain Report: hostile cells, clusters, duplicates, selections and votes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import docx
import openpyxl
import pytest

from app import i18n
from app.exports import cells, html, markdown, registry, xlsx
from app.exports import csv as csv_export
from app.exports import docx as docx_export
from app.exports.report import Report, ReportGroup, ReportNote, ReportStage

HOSTILE = [
    '=HYPERLINK("http://example.invalid","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]
NOW = dt.datetime(2017, 9, 13, 5, 0, tzinfo=dt.UTC)


def note(text: str, **extra: object) -> ReportNote:
    fields: dict[str, object] = {"name": "", "organization": "", **extra}
    return ReportNote(text=text, created_at=NOW, **fields)  # type: ignore[arg-type]


def report_with(notes: list[ReportNote], **extra: object) -> Report:
    stage = ReportStage(
        key="s", label="①イイトコロ", label_en="1. Strengths", kind="post", notes=tuple(notes)
    )
    fields: dict[str, object] = {
        "workshop_id": 1,
        "title": "テスト",
        "date": dt.date(2017, 9, 13),
        "start_time": "13:30",
        "venue": "会場",
        "group_names": ("1G",),
        "participant_count": 5,
        "stage_labels": (("s", "①イイトコロ", "1. Strengths"),),
        "groups": (ReportGroup(name="1G", stages=(stage,)),),
        **extra,
    }
    return Report(**fields)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def japanese():
    with i18n.use_locale("ja"):
        yield


def test_hostile_cells_never_become_formulas_in_csv():
    report = report_with([note(text, name=text, organization=text) for text in HOSTILE])
    rows = list(csv.reader(io.StringIO(csv_export.render(report).decode("utf-8-sig"), newline="")))
    values = [value for row in rows[1:] for value in row]
    assert values, "the CSV has no data rows"
    for value in values:
        assert not value.startswith(cells.FORMULA_STARTS), value
    assert [row[3] for row in rows[1:]] == ["'" + text for text in HOSTILE]


def test_hostile_cells_never_become_formulas_in_xlsx():
    report = report_with(
        [note(text, name=text, organization=text, cluster=text) for text in HOSTILE],
        title="=1+1",
        closing_summary="@evil",
    )
    body = xlsx.render(report)
    book = openpyxl.load_workbook(io.BytesIO(body))
    checked = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(cells.FORMULA_STARTS), cell.value
                    checked += 1
    assert checked >= len(HOSTILE) * 4
    # No formula element anywhere in the package, whatever openpyxl makes of it on reading.
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in package.read(name)


def test_html_escapes_user_text():
    page = html.render(report_with([note("<script>alert(1)</script>")])).decode()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_clusters_duplicates_selections_and_votes_are_rendered_when_present():
    notes = [
        note("人と人とのつながり", id="a", cluster="つながり", selected=True, votes=2),
        note("人のつながり", id="b", cluster="つながり", duplicate_of="a", votes=1),
        note("計画を使う", id="c", cluster="計画", votes=0),
    ]
    report = report_with(notes)
    text = markdown.render_report(report)
    assert "**つながり**" in text and "**計画**" in text
    assert "人と人とのつながり（選択、類似2件、3票）" in text
    assert "人のつながり" not in text.replace("人と人とのつながり", "")  # folded away
    document = docx.Document(io.BytesIO(docx_export.render(report)))
    paragraphs = [p.text for p in document.paragraphs]
    assert "【つながり】" in paragraphs and "【計画】" in paragraphs
    assert "人と人とのつながり（選択、類似2件、3票）" in paragraphs
    assert "人のつながり" not in paragraphs
    rows = list(csv.reader(io.StringIO(csv_export.render(report).decode("utf-8-sig"), newline="")))
    # The spreadsheet keeps every note, duplicates included, with what was decided about it.
    assert [row[2:4] + row[6:9] for row in rows[1:]] == [
        ["つながり", "人と人とのつながり", "2", "○", ""],
        ["つながり", "人のつながり", "1", "", "a"],
        ["計画", "計画を使う", "0", "", ""],
    ]


def test_without_sorting_facts_notes_print_plainly():
    report = report_with([note("地域担当職員制度をとっている。", id="x")])
    text = markdown.render_report(report)
    assert "- 地域担当職員制度をとっている。\n" in text
    assert "**" not in text.split("## グループ別の発表内容")[1]


def test_registry_has_one_format_per_extension_and_refuses_others():
    assert sorted(registry.FORMATS) == ["csv", "docx", "html", "json", "md", "pdf", "xlsx"]
    with pytest.raises(Exception, match="download"):
        registry.get("exe")
