"""What every document-shaped format shares: section titles, header rows, note markers.

Markdown, HTML, Word and PDF print the same 報告書, so they take their wording from here and
never drift apart.
"""

from __future__ import annotations

from app import i18n
from app.exports.report import Report, ReportNote, ReportStage
from app.templating import format_date


def when(report: Report) -> str:
    text = format_date(report.date)
    if report.start_time:
        span = report.start_time + (f"〜{report.end_time}" if report.end_time else "")
        text = f"{text} {span}".strip()
    return text


def separator() -> str:
    return ", " if i18n.current_locale() == "en" else "、"


def role_lines(report: Report) -> list[str]:
    lines = []
    for role in report.roles:
        names = separator().join(role.names)
        who = f"{role.organization} {names}".strip()
        lines.append(f"{role.label}: {who}" if who else role.label)
    return lines


def header_rows(report: Report) -> list[tuple[str, str]]:
    """The two-column table under the title of a 報告書; empty rows are left out."""
    _ = i18n.gettext
    rows = [
        (_("Date and time"), when(report)),
        (_("Venue"), report.venue or ""),
        (_("Participating organisations"), separator().join(report.organizations)),
        (_("Participants"), _("%(count)s people", count=report.participant_count)),
        (_("Groups"), separator().join(report.group_names)),
        (_("Roles"), "\n".join(role_lines(report))),
    ]
    return [(label, value) for label, value in rows if value]


def sections(report: Report) -> list[tuple[str, str]]:
    """Purpose, materials and theme: the prose before the results."""
    _ = i18n.gettext
    rows = [
        (_("Purpose"), report.purpose),
        (_("Materials"), report.materials),
        (_("Theme"), report.theme),
        (_("Case summary"), report.case_summary),
    ]
    return [(title, text) for title, text in rows if text]


def stage_label(stage: ReportStage) -> str:
    if i18n.current_locale() == "en" and stage.label_en:
        return stage.label_en
    return stage.label


def note_marks(note: ReportNote, copies: tuple[ReportNote, ...]) -> str:
    """Markers after a note's text: ③ selection, folded duplicates, dot votes."""
    _ = i18n.gettext
    marks = []
    if note.selected:
        marks.append(_("selected"))
    if copies:
        marks.append(_("%(count)s similar", count=len(copies) + 1))
    votes = note.votes + sum(copy.votes for copy in copies)
    if votes:
        marks.append(i18n.ngettext("%(num)s vote", "%(num)s votes", votes))
    return f"（{separator().join(marks)}）" if marks else ""


def author(name: str, organization: str) -> str:
    if name and organization:
        return f"{name}（{organization}）"
    return name or organization


def rating(value: int | None) -> str:
    return "★" * value + "☆" * (5 - value) if value else ""


def titles() -> dict[str, str]:
    _ = i18n.gettext
    return {
        "overview": _("Overview"),
        "steps": _("Steps"),
        "results": _("Group results"),
        "qa": _("Questions and answers"),
        "comments": _("Comments"),
        "feedback": _("Participants' feedback"),
        "closing": _("Closing summary"),
        "none": _("(none)"),
        "question": _("Q"),
        "answer": _("A"),
        "remark": _("Remark"),
        "untitled": _("Other notes"),
    }
