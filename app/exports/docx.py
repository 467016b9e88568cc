"""The 報告書 as a Word document, laid out like the ones the secretariat types by hand today.

Word on Windows picks the font for Japanese from the East Asian font attribute, not from the
font name most libraries set, so every style used here names Yu Gothic for all scripts, and the
font table tells Word to fall back to MS Gothic where Yu Gothic is missing (older Windows).
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, RGBColor
from docx.styles.style import BaseStyle, CharacterStyle
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from app import i18n
from app.exports import layout
from app.exports.report import Report

FONT = "Yu Gothic"
FALLBACK_FONT = "MS Gothic"
STYLES = ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "List Number")
HEADER_SHADE = "F2F2F2"
HEADER_WIDTHS = (Cm(3.5), Cm(12.5))


def render(report: Report) -> bytes:
    t = layout.titles()
    document = Document()
    set_fonts(document)
    _a4(document)
    properties = document.core_properties
    properties.title = report.title
    properties.language = "ja-JP" if i18n.current_locale() == "ja" else "en-GB"
    properties.author = "Fusen"

    bullet = _style_id(document, "List Bullet")
    numbered = _style_id(document, "List Number")
    document.add_paragraph(report.title, style="Title")
    _header_table(document, layout.header_rows(report))

    for title, text in layout.sections(report):
        document.add_heading(title, level=1)
        document.add_paragraph(text)
    if report.steps:
        document.add_heading(t["steps"], level=1)
        for step in report.steps:
            _paragraph(document, step, numbered)

    document.add_heading(t["results"], level=1)
    for group in report.groups:
        document.add_heading(f"［{group.name}］", level=2)
        for stage in group.stages:
            _bold(document.add_paragraph(), layout.stage_label(stage))
            if not stage.notes:
                _paragraph(document, t["none"], bullet)
                continue
            for cluster, items in stage.clustered():
                if cluster:
                    _bold(document.add_paragraph(), f"【{cluster}】")
                for note, copies in items:
                    paragraph = _paragraph(document, note.text, bullet)
                    marks = layout.note_marks(note, copies)
                    if marks:
                        run = paragraph.add_run(marks)
                        run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)

    if report.questions:
        document.add_heading(t["qa"], level=1)
        for n, question in enumerate(report.questions, 1):
            paragraph = document.add_paragraph()
            _bold(paragraph, f"{t['question']}{n}. ")
            paragraph.add_run(question.text)
            if question.organization:
                paragraph.add_run(f"（{question.organization}）")
            for answer in question.answers:
                paragraph = _paragraph(document, "", bullet)
                _bold(paragraph, f"{answer.organization}：" if answer.organization else "")
                paragraph.add_run(answer.text)
            if question.remark:
                paragraph = document.add_paragraph()
                _bold(paragraph, f"{t['remark']}：")
                paragraph.add_run(question.remark)

    if report.comments:
        document.add_heading(t["comments"], level=1)
        for comment in report.comments:
            paragraph = document.add_paragraph()
            who = layout.author(comment.name, comment.organization)
            _bold(paragraph, f"{comment.label}（{who}）")
            document.add_paragraph(comment.text)

    if report.feedback:
        document.add_heading(t["feedback"], level=1)
        for item in report.feedback:
            paragraph = _paragraph(document, item.text, bullet)
            if item.rating:
                paragraph.add_run(f" {layout.rating(item.rating)}")

    if report.closing_summary:
        document.add_heading(t["closing"], level=1)
        document.add_paragraph(report.closing_summary)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _a4(document: DocxDocument) -> None:
    """A4 with 2.5 cm margins, as Japanese offices print; the template's default is US Letter."""
    for section in document.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)


def _style_id(document: DocxDocument, name: str) -> str:
    style: BaseStyle = document.styles[name]
    return style.style_id


def _paragraph(document: DocxDocument, text: str, style_id: str) -> Paragraph:
    """Add a paragraph in a style given by id.

    Setting a style by name makes python-docx search the whole style sheet for every paragraph,
    which alone took seconds for a thousand notes.
    """
    paragraph = document.add_paragraph(text)
    paragraph._p.style = style_id
    return paragraph


def _header_table(document: DocxDocument, rows: list[tuple[str, str]]) -> None:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for label, value in rows:
        cells = table.add_row().cells
        _bold(cells[0].paragraphs[0], label)
        _shade(cells[0])
        cells[1].paragraphs[0].add_run(value)
    # Word reads the grid, LibreOffice the cells: set both, or the label column takes half.
    table.autofit = False
    for column, width in zip(table.columns, HEADER_WIDTHS, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    document.add_paragraph()


def _bold(paragraph: Paragraph, text: str) -> None:
    if text:
        paragraph.add_run(text).bold = True


def _shade(cell: _Cell) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), HEADER_SHADE)
    properties.append(shading)


def set_fonts(document: DocxDocument) -> None:
    for name in STYLES:
        _style_font(document.styles[name])
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        run_defaults = defaults.find(qn("w:rPrDefault"))
        properties = run_defaults.find(qn("w:rPr")) if run_defaults is not None else None
        if properties is not None:
            _rfonts(properties)
            language = properties.find(qn("w:lang"))
            if language is None:
                language = OxmlElement("w:lang")
                properties.append(language)
            language.set(qn("w:eastAsia"), "ja-JP")
    _font_fallback(document)


def _style_font(style: CharacterStyle) -> None:
    style.font.name = FONT
    if style.name != "Title":
        style.font.color.rgb = RGBColor(0, 0, 0)
    _rfonts(style.element.get_or_add_rPr())


def _rfonts(properties: BaseOxmlElement) -> None:
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), FONT)


def _font_fallback(document: DocxDocument) -> None:
    """Name MS Gothic as Yu Gothic's stand-in in the font table, where Word looks for it."""
    for part in document.part.package.iter_parts():
        if str(part.partname) == "/word/fontTable.xml":
            entry = (
                f'<w:font w:name="{FONT}"><w:altName w:val="{FALLBACK_FONT}"/>'
                '<w:charset w:val="80"/><w:family w:val="modern"/><w:pitch w:val="variable"/>'
                "</w:font>"
            ).encode()
            blob = part.blob
            part._blob = blob.replace(b"</w:fonts>", entry + b"</w:fonts>", 1)
            return
