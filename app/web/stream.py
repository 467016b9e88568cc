"""Server-sent event streams: one for API clients (JSON), one each for boards and phones (HTML).

Each stream authenticates with a short-lived database session that is closed before streaming,
so a thousand open phones hold no database connections. The credential it was opened with goes
to the hub as a ``Grant``, which the hub checks again while the stream is open.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Send

from app import i18n
from app.domain import participants, stream_access
from app.domain import workshops as workshops_domain
from app.domain.stream_access import Grant
from app.errors import Conflict, Invalid, Unauthorized
from app.i18n import N_
from app.live.hub import Audience
from app.web.deps import (
    STAFF_COOKIE,
    participant_cookie,
    require_member,
    require_runner,
    resolve_token,
    staff_from_cookie,
)
from app.web.fragments import API_PARTICIPANT

router = APIRouter()

STREAM_HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
    "Connection": "keep-alive",
}


def _resume_point(request: Request) -> int | None:
    """Where to resume: the browser's Last-Event-ID, or ``?after=`` for scripts."""
    raw = request.headers.get("last-event-id") or request.query_params.get("after")
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(N_("Last-Event-ID must be a whole number.")) from None
    if value < 0:
        raise Invalid(N_("Last-Event-ID must be a whole number."))
    return value


async def _respond(
    request: Request, workshop_id: int, audience: Audience, grant: Grant
) -> EventStreamResponse:
    after = _resume_point(request)
    hub = request.app.state.hub
    body = hub.stream(
        workshop_id=workshop_id,
        audience=audience,
        after=after,
        heartbeat=request.app.state.settings.sse_heartbeat_seconds,
        grant=grant,
    )
    # The first chunk registers the stream, so a refusal (too many streams) is a plain 4xx/503
    # here instead of a broken stream.
    first = await body.__anext__()
    return EventStreamResponse(first, body)


class EventStreamResponse(StreamingResponse):
    """An event stream whose first chunk was taken before the response began.

    It writes that chunk itself and then the hub's messages straight from the hub's generator:
    re-yielding them through a generator of its own cost one more hop for every message to
    every viewer.
    """

    def __init__(self, first: bytes, rest: AsyncIterator[bytes]) -> None:
        super().__init__(rest, media_type="text/event-stream", headers=STREAM_HEADERS)
        self.first = first

    async def stream_response(self, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send({"type": "http.response.body", "body": self.first, "more_body": True})
        async for chunk in self.body_iterator:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _require_not_closed(workshop_status: str) -> None:
    if workshop_status == "closed":
        raise Conflict(N_("This workshop has closed. Thank you for taking part."))


@router.get(
    "/api/v1/workshops/{workshop_id}/events",
    name="api:events",
    tags=["api"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def api_events(workshop_id: int, request: Request) -> StreamingResponse:
    """The workshop's events as SSE: ``id: <seq>``, ``event: <type>``, ``data: <json>``.

    Authenticate with a bearer header, or ``?token=`` where EventSource cannot set headers.
    Resume with ``Last-Event-ID`` or ``?after=<seq>``; a ``reset`` event means reload the snapshot.
    """

    def authorise() -> tuple[int | None, Grant]:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else request.query_params.get("token")
        with request.app.state.db.read_session() as session:
            workshop = workshops_domain.get(session, workshop_id)
            actor = resolve_token(request, session, token)
            require_member(actor, workshop)
            if actor.participant is not None:
                _require_not_closed(workshop.status)
                # Participants get their own group's notes only, as on their phone, with
                # hidden stages and moderated notes filtered out.
                grant = stream_access.for_participant(actor.participant)
                return actor.participant.group_id, grant
            assert actor.user is not None and token  # noqa: S101  (resolve_token found them)
            return None, stream_access.for_bearer(token, actor.user)

    group_id, grant = await run_in_threadpool(authorise)
    kind = "api" if group_id is None else API_PARTICIPANT
    return await _respond(request, workshop_id, Audience(kind=kind, group_id=group_id), grant)


def _authorise_runner(request: Request, workshop_id: int) -> Grant:
    """Staff who may run the workshop (console and wall); the grant is re-checked while open."""
    with request.app.state.db.read_session() as session:
        workshop = workshops_domain.get(session, workshop_id)
        user = staff_from_cookie(request, session)
        if user is None:
            raise Unauthorized(N_("Sign in to see the board."))
        require_runner(user, workshop)
        return stream_access.for_staff_session(request.cookies[STAFF_COOKIE], user)


@router.get("/w/{workshop_id}/board/stream", name="board:stream", include_in_schema=False)
async def board_stream(workshop_id: int, request: Request) -> StreamingResponse:
    grant = await run_in_threadpool(_authorise_runner, request, workshop_id)
    focus = request.query_params.get("group", "")
    audience = Audience(
        kind="board",
        locale=i18n.current_locale(),
        group_id=int(focus) if focus.isdecimal() and len(focus) < 10 else None,
    )
    return await _respond(request, workshop_id, audience, grant)


@router.get("/w/{workshop_id}/wall/stream", name="wall:stream", include_in_schema=False)
async def wall_stream(workshop_id: int, request: Request) -> StreamingResponse:
    """The projector wall's patches: the same events as the board, drawn without controls."""
    grant = await run_in_threadpool(_authorise_runner, request, workshop_id)
    audience = Audience(kind="wall", locale=i18n.current_locale())
    return await _respond(request, workshop_id, audience, grant)


@router.get("/w/{workshop_id}/p/stream", name="participant:stream", include_in_schema=False)
async def phone_stream(workshop_id: int, request: Request) -> StreamingResponse:
    def authorise() -> tuple[int, Grant]:
        with request.app.state.db.read_session() as session:
            workshop = workshops_domain.get(session, workshop_id)
            token = request.cookies.get(participant_cookie(workshop_id), "")
            participant = participants.by_token(session, token)
            if participant is None or participant.workshop_id != workshop_id:
                raise Unauthorized(N_("Join the workshop first."))
            _require_not_closed(workshop.status)
            return participant.group_id, stream_access.for_participant(participant)

    group_id, grant = await run_in_threadpool(authorise)
    audience = Audience(kind="phone", locale=i18n.current_locale(), group_id=group_id)
    return await _respond(request, workshop_id, audience, grant)
