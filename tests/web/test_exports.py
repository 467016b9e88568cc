"""The report of a real workshop, replayed through the API, in every download format."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import unquote

import docx
import openpyxl
import pytest
from pypdf import PdfReader

from tests.factories import bearer, staff_token
from tests.sample_replay import load_sample, replay, sample_notes, sample_record_texts

JA = {"Accept-Language": "ja"}
BACKENDS = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def sample(client):
    token = staff_token(client)
    return token, replay(client, token)


def download(client, token, workshop_id, ext, **headers):
    response = client.get(
        f"/api/v1/workshops/{workshop_id}/report.{ext}", headers={**bearer(token), **JA, **headers}
    )
    assert response.status_code == 200, response.text
    return response


def assert_in_order(haystack: str, needles: list[str]) -> None:
    position = 0
    for needle in needles:
        found = haystack.find(needle, position)
        assert found >= 0, f"missing or out of order: {needle!r}"
        position = found + len(needle)


def test_docx_holds_every_note_question_answer_and_comment_in_order(client, sample):
    token, workshop_id = sample
    body = download(client, token, workshop_id, "docx").content
    document = docx.Document(io.BytesIO(body))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert_in_order(text, sample_notes() + sample_record_texts())
    header = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    meta = load_sample()["workshop"]
    assert header["会場"] == meta["venue"]
    assert header["参加者数"] == "30名"
    assert all(org in header["参加団体"] for org in meta["organizations"])
    assert "ファシリテーター: 那珂市社協 浅野" in header["役割"]


def test_docx_names_a_japanese_east_asian_font_for_word(client, sample):
    token, workshop_id = sample
    document = docx.Document(io.BytesIO(download(client, token, workshop_id, "docx").content))
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == (
        "Yu Gothic"
    )
    font_table = next(
        part.blob
        for part in document.part.package.iter_parts()
        if str(part.partname) == "/word/fontTable.xml"
    )
    assert b'w:altName w:val="MS Gothic"' in font_table


def test_xlsx_notes_sheet_has_one_row_per_note_and_a_frozen_filtered_header(client, sample):
    token, workshop_id = sample
    book = openpyxl.load_workbook(io.BytesIO(download(client, token, workshop_id, "xlsx").content))
    assert book.sheetnames == ["概要", "付箋", "質疑応答", "コメント", "感想"]
    notes = book["付箋"]
    rows = list(notes.iter_rows(min_row=2, values_only=True))
    assert [row[3] for row in rows] == sample_notes()
    assert notes.freeze_panes == "A2"
    assert notes.auto_filter.ref == f"A1:J{len(rows) + 1}"
    assert notes.column_dimensions["D"].width == 60
    qa_rows = list(book["質疑応答"].iter_rows(min_row=2, values_only=True))
    assert len(qa_rows) == sum(len(item["answers"]) for item in load_sample()["qa"])


def test_csv_starts_with_the_utf8_bom_uses_crlf_and_has_one_row_per_note(client, sample):
    token, workshop_id = sample
    response = download(client, token, workshop_id, "csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][:4] == ["グループ", "段階", "クラスター", "テキスト"]
    assert [row[3] for row in rows[1:]] == sample_notes()


def test_pdf_text_contains_the_japanese_notes(client, sample):
    token, workshop_id = sample
    response = download(client, token, workshop_id, "pdf")
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    for note in sample_notes() + sample_record_texts():
        assert re.sub(r"\s+", "", note) in text
    font = reader.pages[0]["/Resources"]["/Font"]["/F1"].get_object()
    descendant = font["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"].get_object()  # embedded
    assert font["/BaseFont"].startswith("/") and "+" in font["/BaseFont"]  # as a subset


def test_markdown_and_html_carry_the_whole_report(client, sample):
    token, workshop_id = sample
    markdown = download(client, token, workshop_id, "md").text
    page = download(client, token, workshop_id, "html").text
    for text in (markdown, page):
        for needle in ("質疑応答", "アドバイザー", "結局「人」でしょうか。", "那珂市社協"):
            assert needle in text
    assert "@page { size: A4" in page


@BACKENDS
def test_archive_reimports_as_a_new_workshop_and_exports_the_same_content(client, sample):
    token, workshop_id = sample
    first = download(client, token, workshop_id, "json").json()
    assert first["version"] == 1 and len(first["notes"]) == len(sample_notes())
    imported = client.post(
        "/api/v1/workshops/import", content=json.dumps(first).encode(), headers=bearer(token)
    )
    assert imported.status_code == 201, imported.text
    new_id = imported.json()["id"]
    assert new_id != workshop_id
    again = download(client, token, new_id, "json").json()
    assert again == first
    docx_text = "\n".join(
        p.text
        for p in docx.Document(
            io.BytesIO(download(client, token, new_id, "docx").content)
        ).paragraphs
    )
    assert_in_order(docx_text, sample_notes() + sample_record_texts())


@pytest.mark.parametrize(
    ("ext", "media_type"),
    [
        ("md", "text/markdown; charset=utf-8"),
        ("html", "text/html; charset=utf-8"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("pdf", "application/pdf"),
        ("csv", "text/csv; charset=utf-8"),
        ("json", "application/json"),
    ],
)
def test_every_format_is_served_with_its_type_and_a_dated_file_name(client, ext, media_type):
    token = staff_token(client)
    created = client.post(
        "/api/v1/workshops",
        json={
            "title": "報告/テスト",
            "format": "open-meeting",
            "groups": ["1G"],
            "date": "2017-09-13",
        },
        headers=bearer(token),
    ).json()
    response = download(client, token, created["id"], ext)
    assert response.headers["content-type"] == media_type
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"2017-09-13_報告_テスト.{ext}"


def test_unknown_format_is_a_readable_404(client):
    token = staff_token(client)
    created = client.post(
        "/api/v1/workshops",
        json={"title": "t", "format": "kpt", "groups": ["1G"]},
        headers=bearer(token),
    ).json()
    response = client.get(f"/api/v1/workshops/{created['id']}/report.exe", headers=bearer(token))
    assert response.status_code == 404
    assert "exe" in response.json()["detail"]


def test_participants_cannot_download_the_report(client):
    from tests.factories import join

    token = staff_token(client)
    created = client.post(
        "/api/v1/workshops",
        json={"title": "t", "format": "kpt", "groups": ["1G"]},
        headers=bearer(token),
    ).json()
    member = join(client, created["join_code"])
    for ext in ("csv", "json", "md"):
        response = client.get(
            f"/api/v1/workshops/{created['id']}/report.{ext}", headers=bearer(member["token"])
        )
        assert response.status_code == 403
