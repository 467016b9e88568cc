"""Workshops through the API: formats to start from, creating one, its snapshot, opening
stages, locking posting, limits, and joining by code."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from app import i18n
from app.domain import (
    audit,
    format_store,
    limits,
    participants,
    sorting_snapshot,
    visibility,
    workshops,
)
from app.errors import Forbidden, Invalid
from app.i18n import N_
from app.live import deadline_keeper
from app.models import Workshop
from app.schemas import (
    CurrentStageIn,
    FormatOut,
    Joined,
    JoinIn,
    LimitsIn,
    LimitsOut,
    PostingIn,
    SortedSnapshot,
    StageOut,
    WorkshopCreated,
    WorkshopIn,
)
from app.web import links, ratelimit
from app.web.actions import ApiRunnerWriteDep, Write, commit
from app.web.api.common import PROBLEMS
from app.web.deps import (
    ApiStaffDep,
    SessionDep,
    WorkshopActorDep,
)

router = APIRouter(prefix="/api/v1", tags=["api"], responses=PROBLEMS)


@router.get("/formats", response_model=list[FormatOut], name="api:formats")
def list_formats(session: SessionDep) -> list[FormatOut]:
    """Built-in formats and the secretariat's own."""
    locale_en = i18n.current_locale() == "en"
    return [
        FormatOut(
            key=fmt.key,
            name=fmt.name_en if locale_en else fmt.name,
            name_en=fmt.name_en,
            stages=[
                StageOut(
                    key=s.key,
                    label=s.label,
                    label_en=s.label_en,
                    kind=s.kind,
                    scope=s.scope,
                    draws_from=s.draws_from,
                )
                for s in fmt.stages
            ],
        )
        for fmt in format_store.all_formats(session)
    ]


@router.post(
    "/workshops",
    response_model=WorkshopCreated,
    status_code=status.HTTP_201_CREATED,
    name="api:create_workshop",
)
def create_workshop(
    body: WorkshopIn, request: Request, session: SessionDep, user: ApiStaffDep
) -> WorkshopCreated:
    """Create a workshop from a built-in format or from its own list of stages."""
    if body.stages:
        stages = [stage.spec() for stage in body.stages]
        format_key = None
    elif body.format:
        fmt = format_store.get_format(session, body.format)
        stages, format_key = list(fmt.stages), fmt.key
    else:
        raise Invalid(N_("Give either a format or a list of stages."))

    def create() -> Workshop:
        workshop = workshops.create_workshop(
            session=session,
            title=body.title,
            stages=stages,
            groups=body.groups,
            format_key=format_key,
            date=body.date,
            start_time=body.start_time,
            venue=body.venue,
            owner_id=user.id,
        )
        audit.record(
            session,
            action="workshop.create",
            user=user,
            workshop_id=workshop.id,
            detail=body.title,
        )
        return workshop

    workshop = commit(session, create)
    return WorkshopCreated(
        id=workshop.id,
        join_code=workshop.join_code,
        join_url=links.join_url(request, workshop),
        board_url=links.absolute(request, "board:board", workshop_id=workshop.id),
    )


@router.get("/workshops/{workshop_id}", response_model=SortedSnapshot, name="api:workshop")
def get_workshop(request: Request, access: WorkshopActorDep, session: SessionDep) -> dict:
    """The workshop as it is now; resume its event stream after ``last_seq``.

    A participant sees their own group's notes and those of plenary stages, and of hidden
    stages only their own; moderated notes not at all.
    """
    deadline_keeper.catch_up(request.app.state.db, session, access.workshop.id)
    snapshot = sorting_snapshot.snapshot(session, access.workshop, access.actor)
    if access.actor.participant is not None:
        group_id = access.actor.participant.group_id
        snapshot = visibility.filter_snapshot(session, snapshot, group_id=group_id)
    return snapshot


@router.put("/workshops/{workshop_id}/current-stage", name="api:current_stage")
def set_current_stage(body: CurrentStageIn, write: ApiRunnerWriteDep) -> dict:
    """Open a stage for posting; the stage open before it is locked."""
    changed = write(workshops.open_stage, key=body.stage)
    return {"current_stage": changed.current_stage, "seq": changed.event_seq}


@router.put("/workshops/{workshop_id}/posting", name="api:posting")
def set_posting(body: PostingIn, write: ApiRunnerWriteDep) -> dict:
    """Lock posting in the current stage, or open it again."""
    changed = write(workshops.set_posting_locked, locked=body.locked)
    return {"current_stage": changed.current_stage, "seq": changed.event_seq}


@router.put("/workshops/{workshop_id}/limits", response_model=LimitsOut, name="api:limits")
def set_limits(body: LimitsIn, write: ApiRunnerWriteDep, user: ApiStaffDep) -> LimitsOut:
    """Cap this workshop's participants and notes (secretariat admins only)."""
    if user.role != "admin":
        raise Forbidden(N_("Only the secretariat can change a workshop's limits."))
    caps = write(limits.set_caps, max_participants=body.max_participants, max_notes=body.max_notes)
    return LimitsOut(
        max_participants=caps.max_participants,
        max_notes=caps.max_notes,
        uses_default=caps.uses_default,
    )


@router.post("/join", response_model=Joined, status_code=status.HTTP_201_CREATED, name="api:join")
def join(body: JoinIn, request: Request, session: SessionDep) -> Joined:
    """Join a workshop by its code; the token returned is the participant's only key."""
    workshop = ratelimit.workshop_for_code(request, session, body.code)
    joined = Write(session, workshop)(
        participants.join,
        group=body.group,
        name=body.name or "",
        organization=body.organization or "",
    )
    group = workshops.find_group(session, workshop.id, joined.participant.group_id)
    return Joined(
        participant_id=joined.participant.id,
        token=joined.token,
        workshop_id=workshop.id,
        group=group.name,
    )
