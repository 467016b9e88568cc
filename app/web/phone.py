"""The phone page's context and its writes: every path that draws the page draws the same one.

The page is drawn on a visit, after a refusal (with the reason and what was typed) and after a
question or feedback was sent; building its context here once keeps those from drifting apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.domain import boards, records, workshops
from app.domain.notes import Actor
from app.errors import DomainError
from app.models import Participant, Workshop
from app.web.actions import Write, answer_page, reason
from app.web.deps import SessionDep, page_workshop_participant
from app.web.pages import is_htmx, render, render_error

T = TypeVar("T")


def phone_context(session: Session, workshop: Workshop, participant: Participant) -> dict[str, Any]:
    """What ``participant/home.html`` and its regions are drawn from."""
    state = boards.board(session, workshop, group_id=participant.group_id)
    return {
        "state": state,
        "me": participant,
        "group": workshops.find_group(session, workshop.id, participant.group_id),
        "column": state.column(participant.group_id),
        "seq": state.seq,
        "feedback": records.feedback_by(
            session, workshop_id=workshop.id, participant_id=participant.id
        ),
    }


def phone_page(
    request: Request,
    session: Session,
    workshop: Workshop,
    participant: Participant,
    status_code: int = 200,
    /,
    **extra: Any,
) -> Response:
    context = phone_context(session, workshop, participant)
    return render(request, "participant/home.html", status_code, **context, **extra)


def home_path(request: Request, workshop: Workshop) -> str:
    return str(request.app.url_path_for("participant:home", workshop_id=workshop.id))


@dataclass(frozen=True)
class PhoneWrite:
    """A write posted from a participant's phone page."""

    request: Request
    session: Session
    workshop: Workshop
    participant: Participant

    def __call__(
        self,
        write: Callable[..., T],
        /,
        *,
        done: Callable[[T], Response],
        kept: dict[str, str] | None = None,
        **params: Any,
    ) -> Response:
        """Run a domain write as this participant; ``kept`` is what was typed, shown again
        with the reason if the write is refused."""
        actor = Actor(participant=self.participant)
        action = Write(self.session, self.workshop, actor).bind(write, **params)
        return self.run(action, done=done, kept=kept)

    def run(
        self,
        action: Callable[[], T],
        *,
        done: Callable[[T], Response],
        kept: dict[str, str] | None = None,
    ) -> Response:
        return answer_page(
            self.request,
            self.session,
            action,
            refused=lambda exc: self.refused(exc, kept or {}),
            done=done,
        )

    def refused(self, exc: DomainError, kept: dict[str, str]) -> Response:
        """The reason; without htmx on the whole phone page again, keeping what was typed."""
        if is_htmx(self.request):
            # The form stays as typed; only the reason is shown above it.
            return render_error(self.request, reason(exc), exc.status_code)
        return phone_page(
            self.request,
            self.session,
            self.workshop,
            self.participant,
            exc.status_code,
            error=reason(exc),
            **kept,
        )


def phone_write(
    request: Request,
    member: Annotated[tuple[Workshop, Participant], Depends(page_workshop_participant)],
    session: SessionDep,
) -> PhoneWrite:
    workshop, participant = member
    return PhoneWrite(request, session, workshop, participant)


PhoneWriteDep = Annotated[PhoneWrite, Depends(phone_write)]
