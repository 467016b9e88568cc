"""The one way a route writes: run the domain action, commit, answer.

A domain write either finishes or raises ``DomainError``. Here it is committed, and the
database's after-commit hook then wakes every screen's event stream; or it is rolled back, so
nothing half done is ever saved. Only the answer differs by the kind of route:

- the JSON API lets a refusal reach the app's ``DomainError`` handler (a JSON problem, 4xx);
- a page answers a refusal with its readable reason (inline for htmx, else an error page) or
  with its form shown again, and a success with 204 for htmx (the event stream redraws the
  screen) or, without JavaScript, a redirect back to the page the form came from.

The ``Write`` dependencies bind the session, the workshop and who acts once, so that a route
only declares which domain write it runs with which values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app import i18n
from app.domain.notes import Actor
from app.errors import DomainError
from app.models import User, Workshop
from app.web.deps import (
    ApiRunnerWorkshopDep,
    PageActorDep,
    PageRunnerWorkshopDep,
    SessionDep,
    WorkshopActorDep,
    WorkshopDep,
)
from app.web.pages import is_htmx, render_error

T = TypeVar("T")


def commit(session: Session, action: Callable[[], T]) -> T:
    """Run ``action`` and commit it; whatever fails rolls back all it did, then propagates."""
    try:
        result = action()
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return result


def reason(exc: DomainError) -> str:
    """A refusal's message in the reader's language."""
    return i18n.gettext(exc.message, **exc.params)


def redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


def answer_page(
    request: Request,
    session: Session,
    action: Callable[[], T],
    *,
    back_to: str = "",
    refused: Callable[[DomainError], Response] | None = None,
    done: Callable[[T], Response] | None = None,
) -> Response:
    """Run a page's write and answer it.

    By default a refusal is its reason, inline for htmx or as an error page, and a success is
    204 for htmx or a redirect to ``back_to``. ``refused`` and ``done`` answer instead where a
    page shows its form again or draws what changed.
    """
    try:
        result = commit(session, action)
    except DomainError as exc:
        if refused is not None:
            return refused(exc)
        return render_error(request, reason(exc), exc.status_code)
    if done is not None:
        return done(result)
    if is_htmx(request):
        return Response(status_code=204)
    return redirect(back_to)


@dataclass(frozen=True)
class Write:
    """A domain write's common arguments: the session, the workshop and, when the domain
    decides by who asks, the actor."""

    session: Session
    workshop: Workshop
    actor: Actor | None = None

    def bind(self, write: Callable[..., T], /, **params: Any) -> Callable[[], T]:
        """``write`` with the session, workshop and actor filled in, not run yet."""
        if self.actor is not None:
            params["actor"] = self.actor
        return lambda: write(session=self.session, workshop=self.workshop, **params)

    def __call__(self, write: Callable[..., T], /, **params: Any) -> T:
        """Run the domain write and commit it; the JSON API answers with what it returns."""
        return commit(self.session, self.bind(write, **params))


@dataclass(frozen=True)
class PageWrite:
    """A write posted from a page, answered as ``answer_page`` does."""

    request: Request
    domain: Write
    back_to: str

    def __call__(self, write: Callable[..., object], /, **params: Any) -> Response:
        return self.run(self.domain.bind(write, **params))

    def run(self, action: Callable[[], object]) -> Response:
        return answer_page(self.request, self.domain.session, action, back_to=self.back_to)


@dataclass(frozen=True)
class StaffPage:
    """Who posts a staff page's form for which workshop; a page's own write helper extends it
    with the answer that page gives."""

    request: Request
    session: Session
    workshop: Workshop
    user: User


# The binders are async: they do no I/O, and a sync dependency costs a thread hand-off.


async def api_write(access: WorkshopActorDep, session: SessionDep) -> Write:
    """A write by whoever the bearer token names (the domain checks what they may do)."""
    return Write(session, access.workshop, access.actor)


async def api_runner_write(workshop: ApiRunnerWorkshopDep, session: SessionDep) -> Write:
    """A write only someone running the workshop may make; the domain takes no actor."""
    return Write(session, workshop)


def board_path(request: Request, workshop: Workshop, *, staff: bool = True) -> str:
    """Where a page's control goes back to: the facilitator's board, or the phone page."""
    name = "board:board" if staff else "participant:home"
    return str(request.app.url_path_for(name, workshop_id=workshop.id))


async def page_runner_write(
    request: Request, workshop: PageRunnerWorkshopDep, session: SessionDep
) -> PageWrite:
    """A control of the facilitator's board; without JavaScript it lands back on the board."""
    return PageWrite(request, Write(session, workshop), board_path(request, workshop))


async def page_actor_write(
    request: Request, workshop: WorkshopDep, actor: PageActorDep, session: SessionDep
) -> PageWrite:
    """A control the facilitator and a group's recorder share, back to the page each uses."""
    back_to = board_path(request, workshop, staff=actor.is_staff)
    return PageWrite(request, Write(session, workshop, actor), back_to)


ApiWriteDep = Annotated[Write, Depends(api_write)]
ApiRunnerWriteDep = Annotated[Write, Depends(api_runner_write)]
PageRunnerWriteDep = Annotated[PageWrite, Depends(page_runner_write)]
PageActorWriteDep = Annotated[PageWrite, Depends(page_actor_write)]
