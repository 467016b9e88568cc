"""Staff pages: sign in, the workshop list, creating a workshop, its control page; language."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app import i18n
from app.domain import accounts, audit, format_store, retention, staff_sessions, users, workshops
from app.errors import Invalid
from app.i18n import N_, gettext
from app.models import User, Workshop
from app.web import links, ratelimit
from app.web.actions import answer_page, reason, redirect
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
    try:
        ratelimit.login_attempt(request)
    except ratelimit.RateLimited as exc:
        response: Response = render(
            request,
            "admin/login.html",
            exc.status_code,
            next=next,
            username=username,
            error=gettext(exc.message, **exc.params),
        )
        response.headers.update(exc.headers)
        return response
    user = accounts.authenticate(session, username=username.strip(), password=password)
    if user is None:
        audit.record(session, action="login.failed", username=username.strip()[:64])
        session.commit()
        return render(
            request,
            "admin/login.html",
            401,
            next=next,
            username=username,
            error=gettext("Wrong username or password."),
        )
    ratelimit.login_succeeded(request)
    started = staff_sessions.start(
        session=session,
        user=user,
        hours=request.app.state.settings.staff_session_hours,
        previous=request.cookies.get(STAFF_COOKIE),
    )
    audit.record(session, action="login", user=user)
    session.commit()
    response = RedirectResponse(safe_next(next, _home(request)), 303)
    response.set_cookie(
        STAFF_COOKIE,
        started.cookie_value,
        max_age=request.app.state.settings.staff_session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout", name="admin:logout")
def logout(request: Request, session: SessionDep) -> Response:
    user = staff_from_cookie(request, session)
    staff_sessions.end(session=session, cookie_value=request.cookies.get(STAFF_COOKIE, ""))
    if user is not None:
        audit.record(session, action="logout", user=user)
    session.commit()
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
    rows = [
        (workshop, workshops.participant_count(session, workshop.id))
        for workshop in users.visible_workshops(session, user)
    ]
    return render(request, "admin/home.html", user=user, rows=rows)


@router.get("/admin/workshops/new", name="admin:new_workshop")
def new_workshop(request: Request, user: PageStaffDep, session: SessionDep) -> Response:
    return _new_page(request, session, user, {}, None)


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

    def create() -> Workshop:
        fmt = format_store.get_format(session, format)
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
        audit.record(
            session, action="workshop.create", user=user, workshop_id=workshop.id, detail=title
        )
        return workshop

    return answer_page(
        request,
        session,
        create,
        refused=lambda exc: _new_page(request, session, user, form, reason(exc), 422),
        done=lambda workshop: redirect(
            request.app.url_path_for("admin:workshop", workshop_id=workshop.id)
        ),
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
        public_base=links.public_base(request),
        code=workshops.format_join_code(workshop.join_code),
        co_facilitators=users.co_facilitators(session, workshop.id),
        retention=retention.info(
            session, workshop, default_days=request.app.state.settings.retention_days
        ),
    )


def parse_groups(raw: str) -> list[str]:
    """Accept "1G, 2G, 3G", one per line, or just a number: "5" → 1G … 5G."""
    text = raw.strip()
    if text.isdecimal():
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
    request: Request,
    session: SessionDep,
    user: User,
    form: dict,
    error: str | None,
    status_code: int = 200,
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
        formats=format_store.all_formats(session),
        error=error,
    )


def _home(request: Request) -> str:
    return str(request.app.url_path_for("admin:home"))
