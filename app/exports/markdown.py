"""The report as Markdown, in the shape of a 報告書's 発表内容: [1G] ①… ②… ③…."""

from __future__ import annotations

import re

from sqlmodel import Session

from app import i18n
from app.exports import layout
from app.exports.report import Report, build
from app.models import Workshop

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
    t = layout.titles()
    lines = [f"# {escape(report.title)}", ""]
    item, details, results = _("Item"), _("Details"), _("Group results")
    none = _("(none)")
    lines += [f"| {item} | {details} |", "| --- | --- |"]
    lines += [
        f"| {escape(label)} | {'<br>'.join(escape(part) for part in value.split(chr(10)))} |"
        for label, value in layout.header_rows(report)
    ]
    lines.append("")
    for title, text in layout.sections(report):
        lines += [f"## {escape(title)}", "", _paragraph(text), ""]
    if report.steps:
        lines += [f"## {t['steps']}", ""]
        lines += [f"{n}. {escape(step)}" for n, step in enumerate(report.steps, 1)]
        lines.append("")
    lines += [f"## {results}", ""]
    for group in report.groups:
        lines += [f"### \\[{escape(group.name)}\\]", ""]
        for stage in group.stages:
            lines += [f"#### {escape(layout.stage_label(stage))}", ""]
            if not stage.notes:
                lines += [f"- {none}", ""]
                continue
            for cluster, items in stage.clustered():
                indent = ""
                if cluster:
                    lines.append(f"- **{escape(cluster)}**")
                    indent = "  "
                for note, copies in items:
                    text = f"  \n  {indent}".join(escape(line) for line in note.text.split("\n"))
                    lines.append(f"{indent}- {text}{escape(layout.note_marks(note, copies))}")
            lines.append("")
    if report.questions:
        lines += [f"## {t['qa']}", ""]
        for n, question in enumerate(report.questions, 1):
            asker = f"（{escape(question.organization)}）" if question.organization else ""
            lines += [f"**{t['question']}{n}.** {_paragraph(question.text)}{asker}", ""]
            for answer in question.answers:
                who = f"{escape(answer.organization)}: " if answer.organization else ""
                lines.append(f"- {t['answer']}: {who}{_paragraph(answer.text)}")
            if question.remark:
                lines.append(f"- {t['remark']}: {_paragraph(question.remark)}")
            lines.append("")
    if report.comments:
        lines += [f"## {t['comments']}", ""]
        for comment in report.comments:
            who = escape(layout.author(comment.name, comment.organization))
            lines += [f"- **{escape(comment.label)}（{who}）** {_paragraph(comment.text)}"]
        lines.append("")
    if report.feedback:
        lines += [f"## {t['feedback']}", ""]
        for feedback in report.feedback:
            stars = f" {layout.rating(feedback.rating)}" if feedback.rating else ""
            lines.append(f"- {_paragraph(feedback.text)}{stars}")
        lines.append("")
    if report.closing_summary:
        lines += [f"## {t['closing']}", "", _paragraph(report.closing_summary), ""]
    return "\n".join(lines).rstrip() + "\n"


def _paragraph(text: str) -> str:
    return "  \n".join(escape(line) for line in text.split("\n"))
