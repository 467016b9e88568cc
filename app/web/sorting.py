"""Board and phone routes of live sorting. The facilitator (staff cookie) and a recorder
(participant cookie) post the same forms; the domain decides who may do what.

Every action answers 204 to htmx: the screen redraws from the event stream, like everyone
else's. Without JavaScript, the forms still work and land back on the page they came from.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.domain import (
    boards,
    clusters,
    layouts,
    organisers,
    presentation,
    reveal,
    selections,
    stage_controls,
    stage_states,
    timers,
    votes,
    workshops,
)
from app.domain.notes import Actor
from app.errors import Conflict, Invalid
from app.i18n import N_
from app.models import Note, Participant, Stage, Workshop
from app.web.actions import (
    PageActorWriteDep,
    PageRunnerWriteDep,
    answer_page,
    board_path,
    redirect,
)
from app.web.deps import (
    PageActorDep,
    PageParticipantDep,
    PageRunnerWorkshopDep,
    SessionDep,
    WorkshopDep,
)
from app.web.pages import is_htmx, render

router = APIRouter(include_in_schema=False)
Id = Annotated[str, Form(max_length=64)]


def _int_or_none(raw: str) -> int | None:
    raw = (raw or "").strip()
    if raw == "":
        return None
    if not raw.isdigit():
        raise Invalid(N_("Choose a cluster from the list."))
    return int(raw)


# The writes a form needs beyond one domain call; they take the domain's keyword arguments.


def _move_or_start(
    *,
    session: Session,
    workshop: Workshop,
    actor: Actor,
    note_id: str,
    cluster: str,
    after: str,
    first: bool,
) -> None:
    if cluster != "new":
        clusters.move_note(
            session=session,
            workshop=workshop,
            actor=actor,
            note_id=note_id,
            cluster_id=_int_or_none(cluster),
            after=after or None,
            first=first,
        )
        return
    note = clusters.live_note(session, workshop, note_id)
    _start_cluster(session, workshop, actor, note, [note.id])


def _drop_onto(
    *, session: Session, workshop: Workshop, actor: Actor, note_id: str, target: str
) -> None:
    other = clusters.live_note(session, workshop, target)
    if other.cluster_id is None:
        _start_cluster(session, workshop, actor, other, [other.id, note_id])
        return
    clusters.move_note(
        session=session,
        workshop=workshop,
        actor=actor,
        note_id=note_id,
        cluster_id=other.cluster_id,
        after=other.id,
    )


def _start_cluster(
    session: Session, workshop: Workshop, actor: Actor, note: Note, note_ids: list[str]
) -> None:
    """A new cluster in the stage and group of ``note``."""
    stage = session.get_one(Stage, note.stage_id)  # a live note's stage: the foreign key holds
    clusters.create_cluster(
        session=session,
        workshop=workshop,
        actor=actor,
        stage_key=stage.key,
        group=note.group_id,
        note_ids=note_ids,
    )


def _merge_into(
    *, session: Session, workshop: Workshop, actor: Actor, cluster_id: int, into: str
) -> None:
    target = _int_or_none(into)
    if target is None:
        raise Invalid(N_("Choose the cluster to merge into."))
    clusters.merge_clusters(
        session=session, workshop=workshop, actor=actor, cluster_id=cluster_id, into_id=target
    )


def _timer_in_minutes(
    *, session: Session, workshop: Workshop, stage_key: str, minutes: str, lock: bool
) -> None:
    text = minutes.strip()
    try:
        seconds = round(float(text) * 60) if text else None
    except ValueError:
        raise Invalid(N_("Give the time in minutes.")) from None
    timers.set_timer(
        session=session, workshop=workshop, stage_key=stage_key, seconds=seconds, lock_at_zero=lock
    )


def _spotlight(*, session: Session, workshop: Workshop, group: str, step: str) -> None:
    if step in ("next", "previous"):
        presentation.step(session=session, workshop=workshop, direction=1 if step == "next" else -1)
    else:
        presentation.set_presentation(session=session, workshop=workshop, group=group or None)


# ---- Shared by the facilitator and a group's recorder -------------------------------------


@router.post("/w/{workshop_id}/sort/notes/{note_id}/move", name="sorting:move_note")
def move_note(
    note_id: str,
    write: PageActorWriteDep,
    cluster: Id = "",
    after: Id = "",
    first: Annotated[bool, Form()] = False,
) -> Response:
    """Move a note: into a cluster, back among loose notes, or (``cluster=new``) a new cluster.

    A drag says where in the cluster (``first`` or ``after``); the menu appends at the end.
    """
    return write(_move_or_start, note_id=note_id, cluster=cluster, after=after, first=first)


@router.post("/w/{workshop_id}/sort/notes/{note_id}/onto", name="sorting:drop_onto")
def drop_onto(note_id: str, write: PageActorWriteDep, target: Id = "") -> Response:
    """A note dropped onto another: join its cluster, or start a cluster of the two."""
    return write(_drop_onto, note_id=note_id, target=target)


@router.post("/w/{workshop_id}/sort/notes/{note_id}/duplicate", name="sorting:duplicate")
def duplicate(note_id: str, write: PageActorWriteDep, of: Id = "") -> Response:
    """Fold a note under ``of`` (one click on a suggestion), or unfold it (empty ``of``)."""
    return write(clusters.mark_duplicate, note_id=note_id, duplicate_of=of or None)


@router.post("/w/{workshop_id}/sort/clusters", name="sorting:create_cluster")
def create_cluster(
    write: PageActorWriteDep,
    stage: Id,
    group: Id,
    title: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    return write(clusters.create_cluster, stage_key=stage, group=group, title=title)


@router.post("/w/{workshop_id}/sort/clusters/{cluster_id}/title", name="sorting:title")
def title_cluster(
    cluster_id: int, write: PageActorWriteDep, title: Annotated[str, Form(max_length=400)] = ""
) -> Response:
    return write(clusters.update_cluster, cluster_id=cluster_id, title=title)


@router.post("/w/{workshop_id}/sort/clusters/{cluster_id}/move", name="sorting:move_cluster")
def move_cluster(cluster_id: int, write: PageActorWriteDep, after: Id = "") -> Response:
    # A malformed form value is refused before anything is written, by the app's error handler.
    return write(clusters.update_cluster, cluster_id=cluster_id, after=_int_or_none(after))


@router.post("/w/{workshop_id}/sort/clusters/{cluster_id}/dissolve", name="sorting:dissolve")
def dissolve(cluster_id: int, write: PageActorWriteDep) -> Response:
    return write(clusters.dissolve_cluster, cluster_id=cluster_id)


@router.post("/w/{workshop_id}/sort/clusters/{cluster_id}/merge", name="sorting:merge")
def merge(cluster_id: int, write: PageActorWriteDep, into: Id = "") -> Response:
    return write(_merge_into, cluster_id=cluster_id, into=into)


@router.post("/w/{workshop_id}/sort/select", name="sorting:select")
def select_item(
    write: PageActorWriteDep,
    stage: Id,
    selected: Annotated[bool, Form()],
    note: Id = "",
    cluster: Id = "",
) -> Response:
    return write(
        selections.set_selected,
        stage_key=stage,
        selected=selected,
        note_id=note or None,
        cluster_id=_int_or_none(cluster),
    )


# ---- Staff only: reveal, moderation, roles, dots, timer, spotlight ----------------------


@router.post("/w/{workshop_id}/sort/stages/{stage_key}/reveal", name="sorting:reveal")
def set_reveal(
    stage_key: str, write: PageRunnerWriteDep, hidden: Annotated[bool, Form()]
) -> Response:
    return write(reveal.set_hidden, stage_key=stage_key, hidden=hidden)


@router.post("/w/{workshop_id}/sort/stages/{stage_key}/sorting", name="sorting:sorting_done")
def set_sorting_done(
    stage_key: str, write: PageRunnerWriteDep, done: Annotated[bool, Form()]
) -> Response:
    return write(stage_states.set_sorting_done, stage_key=stage_key, done=done)


@router.post("/w/{workshop_id}/sort/stages/{stage_key}/voting", name="sorting:voting")
def set_voting(
    stage_key: str,
    write: PageRunnerWriteDep,
    dots_per_person: Annotated[int, Form(ge=1, le=20)],
    dots_per_item: Annotated[int, Form(ge=1, le=20)],
) -> Response:
    return write(
        votes.configure,
        stage_key=stage_key,
        dots_per_person=dots_per_person,
        dots_per_item=dots_per_item,
    )


@router.post("/w/{workshop_id}/sort/stages/{stage_key}/timer", name="sorting:timer")
def set_timer(
    stage_key: str,
    write: PageRunnerWriteDep,
    minutes: Annotated[str, Form(max_length=8)] = "",
    lock: Annotated[bool, Form()] = False,
) -> Response:
    return write(_timer_in_minutes, stage_key=stage_key, minutes=minutes, lock=lock)


@router.post("/w/{workshop_id}/sort/notes/{note_id}/moderate", name="sorting:moderate")
def moderate(
    note_id: str, write: PageRunnerWriteDep, moderated: Annotated[bool, Form()]
) -> Response:
    return write(reveal.moderate, note_id=note_id, moderated=moderated)


@router.post("/w/{workshop_id}/sort/participants/{participant_id}/role", name="sorting:role")
def set_role(
    participant_id: str, write: PageRunnerWriteDep, role: Annotated[str, Form(max_length=16)]
) -> Response:
    return write(organisers.set_role, participant_id=participant_id, role=role)


@router.post("/w/{workshop_id}/sort/presentation", name="sorting:presentation")
def set_presentation(
    write: PageRunnerWriteDep,
    group: Id = "",
    step: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    return write(_spotlight, group=group, step=step)


# ---- One menu for every card, and moderated text on demand -------------------------------


@router.get("/w/{workshop_id}/sort/notes/{note_id}/menu", name="sorting:note_menu")
def note_menu(
    request: Request,
    note_id: str,
    workshop: WorkshopDep,
    actor: PageActorDep,
    session: SessionDep,
) -> Response:
    """What can be done with one note: fetched into the board's one dialog, or a page of its
    own without JavaScript. The duplicate picker lists the likeliest duplicates first."""
    note = clusters.live_note(session, workshop, note_id)
    organisers.require_organiser(actor, note.group_id)
    stage = session.get_one(Stage, note.stage_id)
    layout = layouts.group_layout(session, stage=stage, group_id=note.group_id)
    suggested = [
        s.original if s.duplicate.id == note.id else s.duplicate
        for s in layout.suggestions
        if note.id in (s.original.id, s.duplicate.id)
    ]
    seen = {n.id for n in suggested} | {note.id}
    others = suggested + [i.note for i in layout.loose if i.note.id not in seen]
    found = layouts.locate(layout, note.id)
    duplicates = found[0].duplicates if found and found[0].note.id == note.id else []
    state = boards.board(session, workshop, group_id=note.group_id)
    template = "sorting/_note_menu.html" if is_htmx(request) else "sorting/note_menu.html"
    return render(
        request,
        template,
        state=state,
        note=note,
        stage=stage,
        sortable=stage_states.can_sort(session, stage),
        layout=layout,
        candidates=others,
        suggested={n.id for n in suggested},
        duplicates=duplicates,
        staff=actor.is_staff,
        back_to=board_path(request, workshop, staff=actor.is_staff),
    )


@router.get("/w/{workshop_id}/sort/groups/{group_id}/suggestions", name="sorting:suggestions")
def suggestions(
    request: Request,
    group_id: int,
    workshop: WorkshopDep,
    actor: PageActorDep,
    session: SessionDep,
) -> Response:
    """A group's likely duplicates, fetched when the organiser opens them."""
    group = workshops.find_group(session, workshop.id, group_id)
    organisers.require_organiser(actor, group.id)
    state = boards.board(session, workshop, group_id=group.id)
    layout = state.sorting.get(group.id)
    if layout is None:
        raise Conflict(N_("No stage is open yet."))
    template = "sorting/_suggestions_menu.html" if is_htmx(request) else "sorting/suggestions.html"
    return render(
        request,
        template,
        state=state,
        layout=layout,
        back_to=board_path(request, workshop, staff=actor.is_staff),
    )


@router.get("/w/{workshop_id}/sort/groups/{group_id}/moderated", name="sorting:moderated")
def moderated_notes(
    request: Request,
    group_id: int,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
) -> Response:
    """Text of the notes the facilitator hid in the current stage, for the facilitator only."""
    group = workshops.find_group(session, workshop.id, group_id)
    state = boards.board(session, workshop, group_id=group.id)
    layout = state.sorting.get(group.id)
    template = "sorting/_moderated.html" if is_htmx(request) else "sorting/moderated.html"
    return render(
        request,
        template,
        state=state,
        group=group,
        notes=layout.moderated if layout else [],
    )


# ---- Phone only: own notes while hidden, and dots ---------------------------------------


@router.get("/w/{workshop_id}/p/mine", name="sorting:my_notes")
def my_notes(
    request: Request, workshop: WorkshopDep, participant: PageParticipantDep, session: SessionDep
) -> Response:
    """The phone's notes region drawn for this participant alone (a hidden stage shows only
    their own notes, so it cannot come with the group's shared patch)."""
    state = boards.board(session, workshop, group_id=participant.group_id)
    return render(
        request,
        "participant/_notes.html",
        state=state,
        column=state.column(participant.group_id),
        seq=state.seq,
        me=participant,
        oob=False,
    )


@router.get("/w/{workshop_id}/p/dots", name="sorting:my_dots")
def my_dots(
    request: Request, workshop: WorkshopDep, participant: PageParticipantDep, session: SessionDep
) -> Response:
    return _dots_panel(request, session, workshop, participant)


@router.post("/w/{workshop_id}/p/dots", name="sorting:vote")
def vote(
    request: Request,
    workshop: WorkshopDep,
    participant: PageParticipantDep,
    session: SessionDep,
    stage: Id,
    delta: Annotated[int, Form(ge=-20, le=20)],
    note: Id = "",
    cluster: Id = "",
) -> Response:
    """Add or take back one dot; answers with this participant's own dots panel."""
    return answer_page(
        request,
        session,
        lambda: _add_dots(session, workshop, participant, stage, delta, note, cluster),
        back_to=board_path(request, workshop, staff=False),
        done=lambda _: (
            _dots_panel(request, session, workshop, participant)
            if is_htmx(request)
            else redirect(board_path(request, workshop, staff=False))
        ),
    )


def _add_dots(
    session: Session,
    workshop: Workshop,
    participant: Participant,
    stage: str,
    delta: int,
    note: str,
    cluster: str,
) -> None:
    """One dot more or fewer on an item: the domain sets a count, the phone sends a step."""
    found = workshops.stage_by_key(session, workshop.id, stage)
    cluster_id = _int_or_none(cluster)
    current = next(
        (
            v.dots
            for v in votes.mine(session, stage_id=found.id, participant_id=participant.id)
            if (note and v.note_id == note) or (cluster_id and v.cluster_id == cluster_id)
        ),
        0,
    )
    votes.set_dots(
        session=session,
        workshop=workshop,
        actor=Actor(participant=participant),
        stage_key=stage,
        dots=max(0, current + delta),
        note_id=note or None,
        cluster_id=cluster_id,
    )


def _dots_panel(
    request: Request, session: SessionDep, workshop: Workshop, participant: Participant
) -> Response:
    stage = workshops.current_stage(session, workshop)
    context: dict[str, Any] = {"workshop": workshop, "stage": None, "mine": [], "left": 0}
    if stage is not None and stage.kind == "vote":
        control = stage_controls.peek(session, stage)
        mine = [
            v
            for v in votes.mine(session, stage_id=stage.id, participant_id=participant.id)
            if v.dots
        ]
        context.update(
            stage=stage,
            mine=mine,
            left=control.dots_per_person - sum(v.dots for v in mine),
            control=control,
        )
    return render(request, "sorting/_my_dots.html", **context)
