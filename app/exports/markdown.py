"""The report as Markdown, in the shape of a 報告書's 発表内容: [1G] ①… ②… ③…."""

from __future__ import annotations

import re

from sqlmodel import Session

from app import i18n
from app.exports.report import Report, build
from app.models import Workshop
from app.templating import format_date

_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
_LINE_START = re.compile(r"^(\s*\d*)([#+=.)-])")


def escape(text: str) -> str:
    """Backslash-escape Markdown syntax so user text never becomes markup or HTML.

    Only characters that can start markup are escaped, so Japanese text with its
    parentheses and full stops stays readable in the raw file.
    """
    escaped = _INLINE.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def render(session: Session, workshop: Workshop) -> str:
    return render_report(build(session, workshop))


def render_report(report: Report) -> str:
    _ = i18n.gettext
    en = i18n.current_locale() == "en"
    lines = [f"# {escape(report.title)}", ""]
    when = format_date(report.date)
    if report.start_time:
        when = f"{when} {report.start_time}".strip()
    rows = [
        (_("Date and time"), when),
        (_("Venue"), report.venue or ""),
        (_("Groups"), ("、" if not en else ", ").join(report.group_names)),
        (_("Participants"), _("%(count)s people", count=report.participant_count)),
    ]
    item, details, results = _("Item"), _("Details"), _("Group results")
    none = _("(none)")
    lines += [f"| {item} | {details} |", "| --- | --- |"]
    lines += [f"| {label} | {escape(value)} |" for label, value in rows]
    lines += ["", f"## {results}", ""]
    for group in report.groups:
        lines += [f"### \\[{escape(group.name)}\\]", ""]
        for stage in group.stages:
            label = stage.label_en if en and stage.label_en else stage.label
            lines += [f"#### {escape(label)}", ""]
            if not stage.notes:
                lines += [f"- {none}", ""]
                continue
            for note in stage.notes:
                text = "  \n  ".join(escape(line) for line in note.text.split("\n"))
                lines.append(f"- {text}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
