"""Every download format, keyed by file extension: adding one is a function and a line here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from app.errors import NotFound
from app.exports import archive, csv, docx, html, markdown, pdf, report, xlsx
from app.i18n import N_
from app.models import Workshop


@dataclass(frozen=True)
class Format:
    extension: str
    media_type: str
    label: str
    render: Callable[[report.Report], bytes] | None = None
    # The archive needs more than the report shows (stage settings, deleted notes, people).
    dump: Callable[[Session, Workshop], bytes] | None = None


def _markdown(built: report.Report) -> bytes:
    return markdown.render_report(built).encode("utf-8")


FORMATS: dict[str, Format] = {
    f.extension: f
    for f in (
        Format(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            N_("Word"),
            render=docx.render,
        ),
        Format(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            N_("Excel"),
            render=xlsx.render,
        ),
        Format("pdf", "application/pdf", N_("PDF"), render=pdf.render),
        Format("csv", "text/csv; charset=utf-8", N_("CSV"), render=csv.render),
        Format("html", "text/html; charset=utf-8", N_("Printable page"), render=html.render),
        Format("md", "text/markdown; charset=utf-8", N_("Markdown"), render=_markdown),
        Format("json", "application/json", N_("Archive (JSON)"), dump=archive.render),
    )
}


def get(extension: str) -> Format:
    found = FORMATS.get(extension.lower())
    if found is None:
        raise NotFound(N_("There is no “%(ext)s” download."), ext=extension[:10])
    return found


def render(session: Session, workshop: Workshop, extension: str) -> bytes:
    fmt = get(extension)
    if fmt.dump is not None:
        return fmt.dump(session, workshop)
    assert fmt.render is not None  # noqa: S101  (every format has one of the two)
    return fmt.render(report.build(session, workshop))
