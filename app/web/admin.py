"""Staff pages: sign in, the workshop list, creating a workshop, its control page; language."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from app import i18n
from app.domain import accounts, formats, workshops
from app.errors import DomainError, Invalid
from app.i18n import N_, gettext
from app.models import User, Workshop
from app.web import links
from app.web.deps import (
    STAFF_COOKIE,
    PageRunnerWorkshopDep,
    PageStaffDep,
    SessionDep,
    staff_from_cookie,
)
from app.web.pages import render, safe_next

router = APIRouter(include_in_schema=False)


@router.get("/login", name="admin:login")
def login_form(
    request: Request, session: SessionDep, next: Annotated[str, Query(max_length=500)] = ""
) -> Response:
    if staff_from_cookie(request, session) is not None:
        return RedirectResponse(safe_next(next, _home(request)), 303)
    return render(request, "admin/login.html", next=next, username="", error=None)


@router.post("/login", name="admin:login_post")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    user = accounts.authenticate(session, username=username.strip(), password=password)
    if user is None:
        return render(
            request,
            "admin/login.html",
            401,
            next=next,
            username=username,
            error=gettext("Wrong username or password."),
        )
    response = RedirectResponse(safe_next(next, _home(request)), 303)
    response.set_cookie(
        STAFF_COOKIE,
        request.app.state.signer.staff_cookie(user.id),
        max_age=request.app.state.signer.max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout", name="admin:logout")
def logout(request: Request) -> Response:
    response = RedirectResponse(request.app.url_path_for("admin:login"), 303)
    response.delete_cookie(STAFF_COOKIE)
    return response


@router.post("/lang", name="admin:language")
def set_language(
    request: Request,
    lang: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    response = RedirectResponse(safe_next(next, "/"), 303)
    if lang in i18n.LOCALES:
        response.set_cookie(
            i18n.LOCALE_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True
        )
    return response


@router.get("/admin", name="admin:home")
def home(request: Request, user: PageStaffDep, session: SessionDep) -> Response:
    statement = select(Workshop).order_by(col(Workshop.created_at).desc())
    if user.role != "admin":
        statement = statement.where(Workshop.owner_id == user.id)
    rows = [
        (workshop, workshops.participant_count(session, workshop.id))
        for workshop in session.exec(statement.limit(200)).all()
    ]
    return render(request, "admin/home.html", user=user, rows=rows)


@router.get("/admin/workshops/new", name="admin:new_workshop")
def new_workshop(request: Request, user: PageStaffDep) -> Response:
    return _new_page(request, user, {}, None)


@router.post("/admin/workshops", name="admin:create_workshop")
def create_workshop(
    request: Request,
    user: PageStaffDep,
    session: SessionDep,
    title: Annotated[str, Form(max_length=500)] = "",
    format: Annotated[str, Form(max_length=64)] = "open-meeting",
    groups: Annotated[str, Form(max_length=2000)] = "",
    date: Annotated[str, Form(max_length=20)] = "",
    start_time: Annotated[str, Form(max_length=10)] = "",
    venue: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    form = {
        "title": title,
        "format": format,
        "groups": groups,
        "date": date,
        "start_time": start_time,
        "venue": venue,
    }
    try:
        fmt = formats.get_format(format)
        workshop = workshops.create_workshop(
            session=session,
            title=title,
            stages=list(fmt.stages),
            groups=parse_groups(groups),
            format_key=fmt.key,
            date=_parse_date(date),
            start_time=_parse_time(start_time),
            venue=venue,
            owner_id=user.id,
        )
    except DomainError as exc:
        session.rollback()
        return _new_page(request, user, form, gettext(exc.message, **exc.params), 422)
    session.commit()
    return RedirectResponse(
        request.app.url_path_for("admin:workshop", workshop_id=workshop.id), 303
    )


@router.get("/admin/workshops/{workshop_id}", name="admin:workshop")
def workshop_page(
    request: Request, workshop: PageRunnerWorkshopDep, user: PageStaffDep, session: SessionDep
) -> Response:
    return render(
        request,
        "admin/workshop.html",
        user=user,
        workshop=workshop,
        stages=workshops.stages_of(session, workshop.id),
        groups=workshops.groups_of(session, workshop.id),
        participant_count=workshops.participant_count(session, workshop.id),
        join_url=links.join_url(request, workshop),
        code=workshops.format_join_code(workshop.join_code),
    )


def parse_groups(raw: str) -> list[str]:
    """Accept "1G, 2G, 3G", one per line, or just a number: "5" → 1G … 5G."""
    text = raw.strip()
    if text.isdigit():
        count = int(text)
        if not 1 <= count <= workshops.MAX_GROUPS:
            raise Invalid(
                N_("A workshop can have at most %(max)s groups."), max=workshops.MAX_GROUPS
            )
        return [f"{n}G" for n in range(1, count + 1)]
    return [part.strip() for part in re.split(r"[,、，\n]+", text) if part.strip()]


def _parse_date(raw: str) -> dt.date | None:
    if not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid(N_("Enter the date as YYYY-MM-DD.")) from None


def _parse_time(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text):
        raise Invalid(N_("Enter the time as HH:MM."))
    return text


def _new_page(
    request: Request, user: User, form: dict, error: str | None, status_code: int = 200
) -> Response:
    defaults = {
        "title": "",
        "format": "open-meeting",
        "groups": "1G, 2G, 3G, 4G, 5G",
        "date": "",
        "start_time": "",
        "venue": "",
    }
    return render(
        request,
        "admin/new.html",
        status_code,
        user=user,
        form={**defaults, **form},
        formats=formats.all_formats(),
        error=error,
    )


def _home(request: Request) -> str:
    return str(request.app.url_path_for("admin:home"))
