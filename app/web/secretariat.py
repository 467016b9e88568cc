"""The secretariat's pages: every workshop with its downloads, the report details, the import."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, func, select
from starlette.concurrency import run_in_threadpool

from app.domain import records, users, workshops
from app.errors import DomainError, Invalid
from app.exports import archive, registry
from app.i18n import N_, gettext
from app.models import Note, Participant, User, Workshop
from app.web import downloads
from app.web.actions import answer_page, commit, reason, redirect
from app.web.deps import PageRunnerWorkshopDep, PageStaffDep, SessionDep
from app.web.pages import render

router = APIRouter(include_in_schema=False)

# Empty role rows the details form offers when none is filled in yet; more are added in place.
SPARE_ROLE_ROWS = 3


@router.get("/admin/reports", name="secretariat:home")
def reports_home(request: Request, user: PageStaffDep, session: SessionDep) -> Response:
    shown = users.visible_workshops(session, user, limit=500)
    ids = [w.id for w in shown]
    people = _counts(session, Participant, ids)
    notes = _note_counts(session, ids)
    return render(
        request,
        "admin/reports.html",
        user=user,
        rows=[(w, people.get(w.id, 0), notes.get(w.id, 0)) for w in shown],
        formats=registry.FORMATS.values(),
    )


def _counts(session: Session, table: Any, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    statement = (
        select(table.workshop_id, func.count())
        .where(col(table.workshop_id).in_(ids))
        .group_by(table.workshop_id)
    )
    return dict(session.exec(statement).all())


def _note_counts(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    statement = (
        select(Note.workshop_id, func.count())
        .where(col(Note.workshop_id).in_(ids), col(Note.deleted_at).is_(None))
        .group_by(col(Note.workshop_id))
    )
    return dict(session.exec(statement).all())


@router.get("/admin/workshops/{workshop_id}/report.{ext}", name="secretariat:download")
def download(ext: str, workshop: PageRunnerWorkshopDep, session: SessionDep) -> Response:
    return downloads.download(session, workshop, ext)


@router.get("/admin/workshops/{workshop_id}/print", name="secretariat:print")
def print_view(workshop: PageRunnerWorkshopDep, session: SessionDep) -> Response:
    """The printable page in the browser, for 印刷 straight from the secretariat's PC."""
    return downloads.download(session, workshop, "html", inline=True)


@router.get("/admin/workshops/{workshop_id}/report", name="secretariat:details")
def details_form(
    request: Request, workshop: PageRunnerWorkshopDep, user: PageStaffDep, session: SessionDep
) -> Response:
    return _details_page(request, session, workshop, user, _form_from(session, workshop))


@router.post("/admin/workshops/{workshop_id}/report", name="secretariat:save_details")
async def save_details(
    request: Request, workshop: PageRunnerWorkshopDep, user: PageStaffDep, session: SessionDep
) -> Response:
    raw = await request.form(max_files=0, max_fields=200)
    form = {key: str(value)[:20000] for key, value in raw.items()}
    if raw.get("rows") == "add" or raw.get("remove_row"):
        # Without JavaScript: draw the form again with a row more or less, nothing saved.
        typed = _roles_as_typed(raw)
        remove = str(raw.get("remove_row") or "")
        if remove.isascii() and remove.isdecimal() and int(remove) < len(typed):
            del typed[int(remove)]
        if raw.get("rows") == "add" and len(typed) < records.MAX_ROLES:
            typed.append({"role": "", "names": "", "organization": ""})
        form["roles"] = typed  # type: ignore[assignment]
        return _details_page(request, session, workshop, user, form, spare=0)
    roles = _roles_from(raw)
    saved = request.app.url_path_for("secretariat:details", workshop_id=workshop.id)

    def refused(exc: DomainError) -> Response:
        form["roles"] = roles  # type: ignore[assignment]
        return _details_page(
            request, session, workshop, user, form, error=reason(exc), status_code=exc.status_code
        )

    return answer_page(
        request,
        session,
        lambda: records.update_details(
            session=session, workshop=workshop, changes=_changes_from(form, roles)
        ),
        refused=refused,
        done=lambda _: redirect(f"{saved}?saved=1"),
    )


@router.get("/admin/import", name="secretariat:import_form")
def import_form(request: Request, user: PageStaffDep) -> Response:
    return render(request, "admin/import.html", user=user, error=None)


@router.post("/admin/import", name="secretariat:import")
async def import_archive(
    request: Request,
    user: PageStaffDep,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    raw = await file.read(archive.MAX_BYTES + 1)
    try:
        # In a worker thread: a large archive must not stop the event loop (and every stream).
        workshop = await run_in_threadpool(
            commit,
            session,
            lambda: archive.import_bytes(
                session=session,
                raw=raw,
                owner_id=user.id,
                pause=downloads.pause_for_others(session),
            ),
        )
    except DomainError as exc:
        message = gettext(exc.message, **exc.params)
        return render(request, "admin/import.html", exc.status_code, user=user, error=message)
    return RedirectResponse(
        request.app.url_path_for("admin:workshop", workshop_id=workshop.id), 303
    )


def _form_from(session: Session, workshop: Workshop) -> dict[str, Any]:
    details = records.details_of(session, workshop.id)
    steps = details.steps
    if not details.saved:
        steps = records.steps_from_format(workshops.stages_of(session, workshop.id))
    return {
        "title": workshop.title,
        "date": workshop.date.isoformat() if workshop.date else "",
        "start_time": workshop.start_time or "",
        "end_time": details.end_time or "",
        "venue": workshop.venue or "",
        "organizations": "\n".join(details.organizations),
        "participant_count": (
            "" if details.participant_count is None else str(details.participant_count)
        ),
        "roles": [
            {"role": r.role, "names": "、".join(r.names), "organization": r.organization}
            for r in details.roles
        ],
        "purpose": details.purpose,
        "materials": details.materials,
        "steps": "\n".join(steps),
        "theme": details.theme,
        "case_summary": details.case_summary,
        "closing_summary": details.closing_summary,
    }


def _roles_as_typed(raw: Any) -> list[dict[str, str]]:
    """Every role row as typed, blank ones included."""
    columns = (
        raw.getlist("role_role"),
        raw.getlist("role_names"),
        raw.getlist("role_organization"),
    )
    return [
        {"role": str(role), "names": str(who), "organization": str(organization)}
        for role, who, organization in list(zip(*columns, strict=False))[: records.MAX_ROLES]
    ]


def _roles_from(raw: Any) -> list[dict[str, str]]:
    roles = raw.getlist("role_role")
    names = raw.getlist("role_names")
    organizations = raw.getlist("role_organization")
    rows = []
    for role, who, organization in zip(roles, names, organizations, strict=False):
        if str(role).strip() and (str(who).strip() or str(organization).strip()):
            rows.append({"role": str(role), "names": str(who), "organization": str(organization)})
    return rows


def _changes_from(form: dict[str, str], roles: list[dict[str, str]]) -> dict[str, Any]:
    count = form.get("participant_count", "").strip()
    if count and not count.isdigit():
        raise Invalid(N_("The participant count must be a whole number."))
    return {
        "title": form.get("title", ""),
        "date": _date(form.get("date", "")),
        "start_time": form.get("start_time", "").strip() or None,
        "end_time": form.get("end_time", "").strip() or None,
        "venue": form.get("venue", ""),
        "organizations": _lines(form.get("organizations", ""), commas=True),
        "participant_count": int(count) if count else None,
        "roles": [
            {
                "role": row["role"],
                "names": _lines(row["names"], commas=True),
                "organization": row["organization"],
            }
            for row in roles
        ],
        "purpose": form.get("purpose", ""),
        "materials": form.get("materials", ""),
        "steps": _lines(form.get("steps", "")),
        "theme": form.get("theme", ""),
        "case_summary": form.get("case_summary", ""),
        "closing_summary": form.get("closing_summary", ""),
    }


def _lines(text: str, *, commas: bool = False) -> list[str]:
    pattern = r"[\n、，,]+" if commas else r"\n+"
    return [part.strip() for part in re.split(pattern, text) if part.strip()]


def _date(raw: str) -> dt.date | None:
    if not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid(N_("Enter the date as YYYY-MM-DD.")) from None


def _details_page(
    request: Request,
    session: Session,
    workshop: Workshop,
    user: User,
    form: dict[str, Any],
    *,
    error: str | None = None,
    status_code: int = 200,
    spare: int | None = None,
) -> Response:
    roles = list(form.get("roles") or [])
    if spare is None:
        spare = 1 if roles else SPARE_ROLE_ROWS
    roles += [{"role": "", "names": "", "organization": ""} for _ in range(spare)]
    return render(
        request,
        "admin/report_details.html",
        status_code,
        user=user,
        workshop=workshop,
        form=form,
        roles=roles,
        role_labels=records.ROLE_LABELS,
        counted=records.counted_participants(session, workshop.id),
        formats=registry.FORMATS.values(),
        saved=request.query_params.get("saved") == "1" and error is None,
        error=error,
    )
