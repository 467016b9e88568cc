"""Workshops, their stages and groups, and the stage transitions the facilitator drives."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from app.domain import stage_controls
from app.domain import text as text_domain
from app.domain.formats import StageSpec, validate_stages
from app.errors import Conflict, Invalid, NotFound
from app.i18n import N_
from app.live import event_types, events
from app.models import Group, Participant, Stage, User, Workshop

# No 0/O, 1/I/L, U/V: read off a projector or spoken aloud, these never get confused.
JOIN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
JOIN_CODE_LENGTH = 8
MAX_GROUPS = 50
MAX_TITLE = 200
MAX_GROUP_NAME = 40

# status of a stage → statuses it may move to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("open",),
    "open": ("locked",),
    "locked": ("open",),
}


@dataclass(frozen=True)
class StageChanged:
    event_seq: int
    current_stage: str | None


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(raw: str) -> str:
    """Accept what people type: lowercase, spaces, hyphens, full-width characters."""
    import unicodedata

    text = unicodedata.normalize("NFKC", raw or "").upper()
    return "".join(ch for ch in text if ch.isalnum())


def format_join_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == JOIN_CODE_LENGTH else code


def create_workshop(
    *,
    session: Session,
    title: str,
    stages: list[StageSpec],
    groups: list[str],
    format_key: str | None = None,
    date: dt.date | None = None,
    start_time: str | None = None,
    venue: str | None = None,
    owner_id: int | None = None,
) -> Workshop:
    title = text_domain.plain(title)
    venue = text_domain.plain(venue) if venue is not None else None
    if not title:
        raise Invalid(N_("A workshop needs a title."))
    if len(title) > MAX_TITLE:
        raise Invalid(N_("The title can be at most %(max)s characters."), max=MAX_TITLE)
    if venue is not None and len(venue) > 200:
        raise Invalid(N_("The venue can be at most %(max)s characters."), max=200)
    names = [text_domain.plain(name) for name in groups if name and text_domain.plain(name)]
    if not names:
        raise Invalid(N_("A workshop needs at least one group."))
    if len(names) > MAX_GROUPS:
        raise Invalid(N_("A workshop can have at most %(max)s groups."), max=MAX_GROUPS)
    if len(set(names)) != len(names):
        raise Invalid(N_("Group names must be different from each other."))
    if any(len(name) > MAX_GROUP_NAME for name in names):
        raise Invalid(N_("A group name can be at most %(max)s characters."), max=MAX_GROUP_NAME)
    validate_stages(stages)

    workshop = Workshop(
        title=title,
        format_key=format_key,
        date=date,
        start_time=start_time,
        venue=(venue or "").strip() or None,
        join_code=_unused_join_code(session),
        owner_id=owner_id,
    )
    session.add(workshop)
    session.flush()
    for position, spec in enumerate(stages):
        session.add(
            Stage(
                workshop_id=workshop.id,
                position=position,
                key=spec.key,
                label=text_domain.plain(spec.label),
                label_en=text_domain.plain(spec.label_en),
                prompt=text_domain.plain(spec.prompt),
                prompt_en=text_domain.plain(spec.prompt_en),
                kind=spec.kind,
                scope=spec.scope,
                per_person_limit=spec.per_person_limit,
                draws_from=spec.draws_from,
            )
        )
    for position, name in enumerate(names):
        session.add(Group(workshop_id=workshop.id, name=name, position=position))
    session.flush()
    return workshop


def _unused_join_code(session: Session) -> str:
    while True:
        code = new_join_code()
        if session.exec(select(Workshop.id).where(Workshop.join_code == code)).first() is None:
            return code


MAX_ID = 2_147_483_647


def get(session: Session, workshop_id: int) -> Workshop:
    # Ids beyond a database integer are simply not there (and must not reach the driver).
    workshop = session.get(Workshop, workshop_id) if 0 < workshop_id <= MAX_ID else None
    if workshop is None:
        raise NotFound(N_("No such workshop."))
    return workshop


# Built once: a facilitator's every API write starts with it.
_WITH_USER = (
    select(Workshop, User)
    .outerjoin(User, col(User.id) == bindparam("user_id"))
    .where(col(Workshop.id) == bindparam("workshop_id"))
)


def get_with_user(session: Session, workshop_id: int, user_id: int) -> tuple[Workshop, User | None]:
    """The workshop (or ``NotFound``, as ``get``) and a staff account, read together."""
    if not 0 < workshop_id <= MAX_ID or not 0 < user_id <= MAX_ID:
        return get(session, workshop_id), None
    row = session.exec(_WITH_USER, params={"workshop_id": workshop_id, "user_id": user_id}).first()
    if row is None:
        raise NotFound(N_("No such workshop."))
    return row[0], row[1]


class WorkshopEnded(NotFound):
    """A closed workshop's code: still "not found" for joining (and for the rate limit), but
    the person holding last week's QR card is told why."""


def lock_open(session: Session, workshop: Workshop) -> Workshop:
    """Take the workshop's row lock for a change; a closed workshop takes no more changes."""
    locked = events.lock_workshop(session, workshop.id)
    refuse_if_closed(locked.status)
    return locked


def refuse_if_closed(status: str) -> None:
    """A closed workshop takes no more changes (``status`` read under the row lock)."""
    if status == "closed":
        raise Conflict(
            N_("This workshop is closed: nothing can be posted, joined or rearranged any more.")
        )


def by_join_code(session: Session, raw_code: str) -> Workshop:
    code = normalise_join_code(raw_code)
    workshop = session.exec(select(Workshop).where(Workshop.join_code == code)).first()
    if workshop is None:
        raise NotFound(N_("No workshop has this code. Check the code on the screen."))
    if workshop.status == "closed":
        raise WorkshopEnded(N_("This workshop has ended. Thank you for taking part."))
    return workshop


def stages_of(session: Session, workshop_id: int) -> Sequence[Stage]:
    statement = select(Stage).where(Stage.workshop_id == workshop_id).order_by(col(Stage.position))
    return session.exec(statement).all()


def groups_of(session: Session, workshop_id: int) -> Sequence[Group]:
    statement = select(Group).where(Group.workshop_id == workshop_id).order_by(col(Group.position))
    return session.exec(statement).all()


def stage_by_key(session: Session, workshop_id: int, key: str) -> Stage:
    stage = session.exec(
        select(Stage).where(Stage.workshop_id == workshop_id, Stage.key == key)
    ).first()
    if stage is None:
        raise Invalid(N_("This workshop has no stage “%(key)s”."), key=str(key)[:64])
    return stage


def stage_row(session: Session, stage_id: int) -> Stage:
    """The stage a row points at; its foreign key guarantees it exists."""
    stage = session.get(Stage, stage_id)
    if stage is None:
        raise LookupError(f"stage {stage_id} is missing")
    return stage


def group_row(session: Session, group_id: int) -> Group:
    """The group a row points at; its foreign key guarantees it exists."""
    group = session.get(Group, group_id)
    if group is None:
        raise LookupError(f"group {group_id} is missing")
    return group


def find_group(session: Session, workshop_id: int, ref: str | int) -> Group:
    """Find a group by its name or its id, as the API promises."""
    text = str(ref).strip()
    group = session.exec(
        select(Group).where(Group.workshop_id == workshop_id, Group.name == text)
    ).first()
    if group is None and text.isascii() and text.isdigit() and 0 < int(text[:10]) <= MAX_ID:
        candidate = session.get(Group, int(text))
        if candidate is not None and candidate.workshop_id == workshop_id:
            group = candidate
    if group is None:
        raise Invalid(N_("This workshop has no group “%(group)s”."), group=text[:40])
    return group


def participant_count(session: Session, workshop_id: int) -> int:
    statement = (
        select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop_id)
    )
    return session.exec(statement).one()


def current_stage(session: Session, workshop: Workshop) -> Stage | None:
    if workshop.current_stage_key is None:
        return None
    return session.exec(
        select(Stage).where(
            Stage.workshop_id == workshop.id, Stage.key == workshop.current_stage_key
        )
    ).first()


def open_stage(*, session: Session, workshop: Workshop, key: str) -> StageChanged:
    """Make ``key`` the current stage and open it for posting; the previous one is locked."""
    lock_open(session, workshop)
    target = stage_by_key(session, workshop.id, key)
    for stage in stages_of(session, workshop.id):
        if stage.id != target.id and stage.status == "open":
            stage.status = "locked"
            session.add(stage)
    target.status = "open"
    session.add(target)
    workshop.current_stage_key = target.key
    session.add(workshop)
    return announce_stages(session, workshop)


def set_posting_locked(*, session: Session, workshop: Workshop, locked: bool) -> StageChanged:
    """Lock or reopen posting in the current stage without moving on."""
    lock_open(session, workshop)
    stage = current_stage(session, workshop)
    if stage is None:
        raise Invalid(N_("No stage has been opened yet."))
    wanted = "locked" if locked else "open"
    if stage.status != wanted:
        if wanted not in TRANSITIONS.get(stage.status, ()):
            raise Invalid(N_("This stage cannot be changed that way now."))
        stage.status = wanted
        session.add(stage)
    return announce_stages(session, workshop)


def announce_stages(
    session: Session, workshop: Workshop, *, reason: str | None = None
) -> StageChanged:
    """Append the one event that carries every stage's posting and sorting state.

    ``reason`` says why when it was not the facilitator's click (``"timer"``: a countdown hit
    zero), so a screen may say so.
    """
    session.flush()
    stages = stages_of(session, workshop.id)
    controls = stage_controls.controls_of(session, workshop.id)
    changed = event_types.stage_changed(
        current_stage=workshop.current_stage_key,
        stages=[
            {
                "key": stage.key,
                "status": stage.status,
                "sorting": stage_controls.sorting_state(stage, controls.get(stage.id)),
            }
            for stage in stages
        ],
        reason=reason,
    )
    event = events.append(session, workshop_id=workshop.id, event=changed)
    return StageChanged(event_seq=event.seq, current_stage=workshop.current_stage_key)
