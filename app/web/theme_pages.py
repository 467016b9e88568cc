"""Themes that recur: start an analysis, rename, merge and split its themes, download it."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.domain import search, series, themes
from app.errors import Invalid, NotFound
from app.exports import registry
from app.exports import themes as theme_exports
from app.i18n import N_
from app.models import ThemeAnalysis, User
from app.web import links
from app.web.actions import answer_page, commit, reason
from app.web.deps import PageRunnerWorkshopDep, PageStaffDep, SessionDep
from app.web.pages import render

router = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def get_analysis(analysis_id: int, user: PageStaffDep, session: SessionDep) -> ThemeAnalysis:
    return themes.get(session, analysis_id, user)


AnalysisDep = Annotated[ThemeAnalysis, Depends(get_analysis)]


def _date(raw: str) -> dt.date | None:
    if not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid(N_("Enter the date as YYYY-MM-DD.")) from None


def _list_page(
    request: Request,
    session: Session,
    user: User,
    form: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "themes/list.html",
        status_code,
        user=user,
        analyses=themes.analyses_of(session, user),
        series_list=series.all_series(session),
        stages=search.stage_choices(session, user),
        form=form,
        error=error,
    )


@router.get("/admin/themes", name="themes:list")
def theme_list(request: Request, user: PageStaffDep, session: SessionDep) -> Response:
    form = {"name": "", "series": "", "date_from": "", "date_to": "", "stage": "shared_issues"}
    return _list_page(request, session, user, form)


@router.post("/admin/themes", name="themes:create")
def create_analysis(
    request: Request,
    user: PageStaffDep,
    session: SessionDep,
    name: Annotated[str, Form(max_length=500)] = "",
    series_id: Annotated[str, Form(alias="series", max_length=20)] = "",
    date_from: Annotated[str, Form(max_length=20)] = "",
    date_to: Annotated[str, Form(max_length=20)] = "",
    stage: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Find the themes of one stage across a series or a date range, and save them."""
    form = {
        "name": name,
        "series": series_id,
        "date_from": date_from,
        "date_to": date_to,
        "stage": stage,
    }

    def create() -> ThemeAnalysis:
        if series_id.strip() and not series_id.strip().isdecimal():
            raise Invalid(N_("Choose a series from the list."))
        chosen = themes.chosen_workshops(
            session,
            user=user,
            series_id=int(series_id) if series_id.strip() else None,
            date_from=_date(date_from),
            date_to=_date(date_to),
        )
        return themes.create_analysis(
            session=session, user=user, name=name, stage_key=stage, workshops=chosen
        )

    return answer_page(
        request,
        session,
        create,
        refused=lambda exc: _list_page(request, session, user, form, reason(exc), exc.status_code),
        done=lambda analysis: _back(request, analysis),
    )


@router.get("/admin/themes/{analysis_id}", name="themes:page")
def theme_page(
    request: Request, analysis: AnalysisDep, user: PageStaffDep, session: SessionDep
) -> Response:
    shown = themes.view(session, analysis)
    return render(request, "themes/analysis.html", user=user, view=shown)


def _back(request: Request, analysis: ThemeAnalysis, anchor: str = "") -> Response:
    url = request.app.url_path_for("themes:page", analysis_id=analysis.id)
    return RedirectResponse(f"{url}{anchor}", 303)


@router.post("/admin/themes/{analysis_id}/name", name="themes:rename_analysis")
def rename_analysis(
    request: Request,
    analysis: AnalysisDep,
    session: SessionDep,
    name: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    commit(session, lambda: themes.rename_analysis(session=session, analysis=analysis, name=name))
    return _back(request, analysis)


@router.post("/admin/themes/{analysis_id}/themes/{index}/title", name="themes:rename")
def rename_theme(
    request: Request,
    analysis: AnalysisDep,
    session: SessionDep,
    index: int,
    title: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    commit(
        session,
        lambda: themes.rename_theme(session=session, analysis=analysis, index=index, title=title),
    )
    return _back(request, analysis, f"#theme-{index}")


@router.post("/admin/themes/{analysis_id}/themes/{index}/merge", name="themes:merge")
def merge_theme(
    request: Request,
    analysis: AnalysisDep,
    session: SessionDep,
    index: int,
    into: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    if not into.strip().isdecimal():
        raise Invalid(N_("Choose another theme to merge with."))
    commit(
        session,
        lambda: themes.merge_themes(
            session=session, analysis=analysis, index=index, into=int(into)
        ),
    )
    return _back(request, analysis)


@router.post("/admin/themes/{analysis_id}/themes/{index}/split", name="themes:split")
def split_theme(
    request: Request,
    analysis: AnalysisDep,
    session: SessionDep,
    index: int,
    note: Annotated[list[str] | None, Form(max_length=40)] = None,
) -> Response:
    commit(
        session,
        lambda: themes.split_theme(
            session=session, analysis=analysis, index=index, note_ids=note or []
        ),
    )
    return _back(request, analysis, f"#theme-{index + 1}")


def _download(analysis: ThemeAnalysis, extension: str, body: bytes, media_type: str) -> Response:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"themes-{analysis.id}.{extension}")
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(body, media_type=media_type, headers=headers)


@router.get("/admin/themes/{analysis_id}/themes.xlsx", name="themes:xlsx")
def theme_xlsx(analysis: AnalysisDep, session: SessionDep) -> Response:
    body = theme_exports.workbook(themes.view(session, analysis))
    return _download(analysis, "xlsx", body, XLSX)


@router.get("/admin/themes/{analysis_id}/appendix.docx", name="themes:docx")
def theme_docx(analysis: AnalysisDep, session: SessionDep) -> Response:
    body = theme_exports.appendix(themes.view(session, analysis))
    return _download(analysis, "docx", body, DOCX)


@router.get("/admin/themes/{analysis_id}/report/{workshop_id}.docx", name="themes:report_docx")
def report_with_appendix(
    analysis: AnalysisDep, workshop: PageRunnerWorkshopDep, session: SessionDep
) -> Response:
    """The workshop's Word report with this analysis as its appendix."""
    if workshop.id not in json.loads(analysis.workshop_ids):
        raise NotFound(N_("This workshop is not part of the analysis."))
    report = registry.render(session, workshop, "docx")
    body = theme_exports.report_with_appendix(report, themes.view(session, analysis))
    return Response(
        body,
        media_type=DOCX,
        headers={
            "Content-Disposition": links.download_disposition(workshop, "docx"),
            "Cache-Control": "no-store",
        },
    )
