"""The 報告書 as an A4 PDF with a Japanese font embedded as a subset, so its text is searchable.

The font is IPAexGothic, taken from the first place that has it: ``FUSEN_PDF_FONT`` (a path),
the distribution's package (Debian and Ubuntu: ``fonts-ipaexfont-gothic``, which the Docker image
installs), or a PyPI package that ships the file (``japanize-matplotlib``, installed by ``./dev``
with ``--no-deps`` when the system has no font: its matplotlib and numpy would triple the
install for one font file). It is a TrueType font on purpose:
the PyPI packages of Noto Sans JP carry CID-keyed CFF outlines, which fpdf2 embeds with a custom
encoding CMap that common extractors (pypdf among them) misread once a report uses more than 255
distinct characters.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from app.exports import layout
from app.exports.report import Report

FONT = "IPAexGothic"
FONT_FILE = "ipaexg.ttf"
SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf",
)
# PyPI packages that carry the same file under fonts/; found without importing them.
FONT_PACKAGES = ("japanize_matplotlib", "matplotlib_fontja")
MARGIN = 18
BODY = 10
LINE = 5.6
GREY = (89, 89, 89)


@lru_cache(maxsize=1)
def font_path() -> str:
    """Where the font file is: the operator's choice, the system's, then a PyPI package's."""
    chosen = os.environ.get("FUSEN_PDF_FONT")
    if chosen:
        if not Path(chosen).is_file():
            raise RuntimeError(f"FUSEN_PDF_FONT names no file: {chosen}")
        return chosen
    for candidate in SYSTEM_FONTS:
        if Path(candidate).is_file():
            return candidate
    for package in FONT_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            packaged = Path(next(iter(spec.submodule_search_locations))) / "fonts" / FONT_FILE
            if packaged.is_file():
                return str(packaged)
    raise RuntimeError(
        "The Japanese PDF font IPAexGothic is missing: install fonts-ipaexfont-gothic, or "
        "pip install --no-deps japanize-matplotlib, or set FUSEN_PDF_FONT to a TrueType file."
    )


class _Document(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.page_no()} / {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def render(report: Report) -> bytes:
    t = layout.titles()
    pdf = _Document(format="A4", unit="mm")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.add_font(FONT, "", font_path())
    pdf.set_title(report.title)
    pdf.set_creator("Fusen")
    pdf.set_lang("ja")
    pdf.add_page()

    _text(pdf, report.title, size=16, after=3)
    _header_table(pdf, layout.header_rows(report))

    for title, text in layout.sections(report):
        _heading(pdf, title)
        _text(pdf, text)
    if report.steps:
        _heading(pdf, t["steps"])
        for n, step in enumerate(report.steps, 1):
            _text(pdf, f"{n}. {step}", indent=2)

    _heading(pdf, t["results"])
    for group in report.groups:
        _text(pdf, f"［{group.name}］", size=13, before=2, after=1, keep=25)
        for stage in group.stages:
            _text(pdf, layout.stage_label(stage), size=11, before=1, keep=15)
            if not stage.notes:
                _text(pdf, f"・{t['none']}", indent=4)
                continue
            for cluster, items in stage.clustered():
                indent = 4
                if cluster:
                    _text(pdf, f"【{cluster}】", indent=4)
                    indent = 8
                for note, copies in items:
                    _text(pdf, f"・{note.text}{layout.note_marks(note, copies)}", indent=indent)

    if report.questions:
        _heading(pdf, t["qa"])
        for n, question in enumerate(report.questions, 1):
            asker = f"（{question.organization}）" if question.organization else ""
            _text(pdf, f"{t['question']}{n}. {question.text}{asker}", before=1)
            for answer in question.answers:
                who = f"{answer.organization}：" if answer.organization else ""
                _text(pdf, f"・{who}{answer.text}", indent=4)
            if question.remark:
                _text(pdf, f"{t['remark']}：{question.remark}", indent=4)

    if report.comments:
        _heading(pdf, t["comments"])
        for comment in report.comments:
            who = layout.author(comment.name, comment.organization)
            _text(pdf, f"{comment.label}（{who}）", size=11, before=1)
            _text(pdf, comment.text, indent=4)

    if report.feedback:
        _heading(pdf, t["feedback"])
        for item in report.feedback:
            stars = f" {layout.rating(item.rating)}" if item.rating else ""
            _text(pdf, f"・{item.text}{stars}", indent=4)

    if report.closing_summary:
        _heading(pdf, t["closing"])
        _text(pdf, report.closing_summary)
    return bytes(pdf.output())


def _heading(pdf: FPDF, title: str) -> None:
    _text(pdf, title, size=13, before=4, after=1, keep=30)
    y = pdf.get_y()
    pdf.set_draw_color(180, 180, 180)
    pdf.line(MARGIN, y, pdf.w - MARGIN, y)
    pdf.ln(1.5)


def _text(
    pdf: FPDF,
    text: str,
    *,
    size: float = BODY,
    indent: float = 0,
    before: float = 0,
    after: float = 0,
    keep: float = 0,
) -> None:
    """Write wrapped text; ``keep`` millimetres must follow on the same page (for headings)."""
    if keep and pdf.get_y() + keep > pdf.page_break_trigger:
        pdf.add_page()
    elif before:
        pdf.ln(before)
    pdf.set_font(FONT, size=size)
    height = LINE * size / BODY
    for line in _wrap(pdf, text, pdf.w - 2 * MARGIN - indent):
        pdf.set_x(MARGIN + indent)
        pdf.cell(0, height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if after:
        pdf.ln(after)


# A line never starts with these (禁則処理): they hang at the end of the line before.
NO_LINE_START = set("、。，．,.)）」』】〕〉》・ーぁぃぅぇぉっゃゅょァィゥェォッャュョ！？!?：；:;")


# Character widths by font size; the font never changes, so they hold for every report.
_WIDTHS: dict[float, dict[str, float]] = {}


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Break text into lines that fit ``width``, character by character as Japanese is set.

    fpdf2 can wrap by character itself, but it measures each line again for every character it
    adds; measuring each character once per size makes a thousand-note report several times faster.
    """
    widths = _WIDTHS.setdefault(pdf.font_size_pt, {})
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current: list[str] = []
        used = 0.0
        for char in paragraph:
            if char not in widths:
                widths[char] = pdf.get_string_width(char)
            step = widths[char]
            if current and used + step > width and char not in NO_LINE_START:
                lines.append("".join(current))
                current, used = [], 0.0
            current.append(char)
            used += step
        lines.append("".join(current))
    return lines


def _header_table(pdf: FPDF, rows: list[tuple[str, str]]) -> None:
    pdf.set_font(FONT, size=BODY)
    pdf.set_draw_color(120, 120, 120)
    with pdf.table(
        col_widths=(32, 142),
        first_row_as_headings=False,
        line_height=LINE,
        wrapmode=WrapMode.CHAR,
        padding=1.5,
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=None)
            row.cell(value)
    pdf.ln(2)
