"""Series pages: the list, one series year by year with its charts, and "next one from this"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app import i18n
from app.domain import series as series_domain
from app.domain import users
from app.errors import Invalid
from app.i18n import N_, gettext
from app.models import Series, User
from app.web import charts
from app.web.actions import answer_page, commit, reason, redirect
from app.web.deps import PageRunnerWorkshopDep, PageStaffDep, SessionDep
from app.web.pages import render

router = APIRouter(include_in_schema=False)


def get_series(series_id: int, session: SessionDep) -> Series:
    return series_domain.get(session, series_id)


SeriesDep = Annotated[Series, Depends(get_series)]


@router.get("/admin/series", name="series:list")
def series_list(request: Request, user: PageStaffDep, session: SessionDep) -> Response:
    return _list_page(request, session, user, name="", error=None)


def _list_page(
    request: Request,
    session: Session,
    user: User,
    *,
    name: str,
    error: str | None,
    status_code: int = 200,
) -> Response:
    rows = [
        (one, len(series_domain.workshops_in(session, one, user)))
        for one in series_domain.all_series(session)
    ]
    return render(
        request, "series/list.html", status_code, user=user, rows=rows, name=name, error=error
    )


@router.post("/admin/series", name="series:create")
def create_series(
    request: Request,
    user: PageStaffDep,
    session: SessionDep,
    name: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    return answer_page(
        request,
        session,
        lambda: series_domain.create_series(session=session, name=name, user=user),
        refused=lambda exc: _list_page(
            request, session, user, name=name, error=reason(exc), status_code=422
        ),
        done=lambda created: redirect(
            request.app.url_path_for("series:page", series_id=created.id)
        ),
    )


@router.post("/admin/workshops/{workshop_id}/series", name="series:assign")
def assign_series(
    request: Request,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    series_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Put a workshop into a series, or take it out with an empty choice."""
    chosen = None
    if series_id.strip():
        if not series_id.strip().isdecimal():
            raise Invalid(N_("Choose a series from the list."))
        chosen = series_domain.get(session, int(series_id))
    commit(
        session, lambda: series_domain.set_series(session=session, workshop=workshop, series=chosen)
    )
    target = (
        request.app.url_path_for("series:page", series_id=chosen.id)
        if chosen
        else request.app.url_path_for("admin:workshop", workshop_id=workshop.id)
    )
    return RedirectResponse(target, 303)


@router.get("/admin/series/{series_id}", name="series:page")
def series_page(
    request: Request, one: SeriesDep, user: PageStaffDep, session: SessionDep
) -> Response:
    overview = series_domain.overview(session, one, user)
    assignable = [
        w
        for w in users.visible_workshops(session, user)
        if series_domain.series_of(session, w.id) is None
    ]
    return render(
        request,
        "series/series.html",
        user=user,
        overview=overview,
        stage_chart=_stage_chart(overview),
        org_chart=_organization_chart(overview),
        assignable=assignable,
        latest=overview.rows[-1].workshop if overview.rows else None,
    )


def _stage_label(stage: tuple[str, str, str]) -> str:
    key, label, label_en = stage
    return label_en if i18n.current_locale() == "en" and label_en else label


def _stage_chart(overview: series_domain.Overview):  # type: ignore[no-untyped-def]
    per_year = overview.notes_per_year()
    return charts.grouped_bars(
        chart_id="chart-notes",
        title=gettext("Notes per stage and year"),
        categories=[str(year) for year in overview.years],
        series=[
            charts.Series(
                _stage_label(stage), [per_year[y].get(stage[0], 0) for y in overview.years]
            )
            for stage in overview.stages
        ],
    )


def _organization_chart(overview: series_domain.Overview):  # type: ignore[no-untyped-def]
    per_year = overview.organizations_per_year()
    return charts.grouped_bars(
        chart_id="chart-organizations",
        title=gettext("Organisations taking part per year"),
        categories=[str(year) for year in overview.years],
        series=[
            charts.Series(gettext("Organisations"), [len(per_year[y]) for y in overview.years])
        ],
    )


@router.post("/admin/workshops/{workshop_id}/next", name="series:next")
def next_workshop(
    request: Request,
    workshop: PageRunnerWorkshopDep,
    user: PageStaffDep,
    session: SessionDep,
    title: Annotated[str, Form(max_length=500)] = "",
    date: Annotated[str, Form(max_length=20)] = "",
    carry_picks: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Create the next workshop like this one: same format, groups, roles, venue and series."""
    when = None
    if date.strip():
        try:
            when = dt.date.fromisoformat(date.strip())
        except ValueError:
            raise Invalid(N_("Enter the date as YYYY-MM-DD.")) from None
    created = commit(
        session,
        lambda: series_domain.next_workshop(
            session=session,
            source=workshop,
            user=user,
            title=title or workshop.title,
            date=when,
            carry_picks=carry_picks in ("1", "true", "on"),
        ),
    )
    return RedirectResponse(request.app.url_path_for("admin:workshop", workshop_id=created.id), 303)
