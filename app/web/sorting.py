"""Board and phone routes of live sorting. The facilitator (staff cookie) and a recorder
(participant cookie) post the same forms; the domain decides who may do what.

Every action answers 204 to htmx: the screen redraws from the event stream, like everyone
else's. Without JavaScript, the forms still work and land back on the page they came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

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
from app.domain import participants as participants_domain
from app.domain.notes import Actor
from app.errors import Conflict, DomainError, Invalid
from app.i18n import N_, gettext
from app.models import Participant, Stage, Workshop
from app.web.deps import (
    JoinRequired,
    PageParticipantDep,
    PageRunnerWorkshopDep,
    SessionDep,
    WorkshopDep,
    can_run,
    participant_cookie,
    staff_from_cookie,
)
from app.web.pages import is_htmx, render, render_error, run_action

router = APIRouter(include_in_schema=False)


def page_actor(request: Request, workshop: WorkshopDep, session: SessionDep) -> Actor:
    """The facilitator running this workshop, else the participant of its cookie."""
    user = staff_from_cookie(request, session)
    if user is not None and can_run(user, workshop):
        return Actor(user=user)
    token = request.cookies.get(participant_cookie(workshop.id), "")
    participant = participants_domain.by_token(session, token) if token else None
    if participant is None or participant.workshop_id != workshop.id:
        raise JoinRequired(workshop.join_code)
    return Actor(participant=participant)


PageActorDep = Annotated[Actor, Depends(page_actor)]
Id = Annotated[str, Form(max_length=64)]


def _act(
    request: Request, session: SessionDep, workshop: Workshop, actor: Actor, action: Callable
) -> Response:
    return _run(request, session, workshop, action, staff=actor.is_staff)


def _run(
    request: Request, session: SessionDep, workshop: Workshop, action: Callable, *, staff: bool
) -> Response:
    name = "board:board" if staff else "participant:home"
    back_to = str(request.app.url_path_for(name, workshop_id=workshop.id))
    return run_action(request, session, action, back_to=back_to)


def _int_or_none(raw: str) -> int | None:
    raw = (raw or "").strip()
    if raw == "":
        return None
    if not raw.isdigit():
        raise Invalid(N_("Choose a cluster from the list."))
    return int(raw)


@router.post("/w/{workshop_id}/sort/notes/{note_id}/move", name="sorting:move_note")
def move_note(
    request: Request,
    note_id: str,
    workshop: WorkshopDep,
    actor: PageActorDep,
    session: SessionDep,
    cluster: Id = "",
    after: Id = "",
    first: Annotated[bool, Form()] = False,
) -> Response:
    """Move a note: into a cluster, back among loose notes, or (``cluster=new``) a new cluster.

    A drag says where in the cluster (``first`` or ``after``); the menu appends at the end.
    """

    def action() -> None:
        if cluster == "new":
            note = clusters.live_note(session, workshop, note_id)
            stage = session.get(Stage, note.stage_id)
            clusters.create_cluster(
                session=session,
                workshop=workshop,
                actor=actor,
                stage_key=stage.key,
                group=note.group_id,
                note_ids=[note.id],
            )
            return
        clusters.move_note(
            session=session,
            workshop=workshop,
            actor=actor,
            note_id=note_id,
            cluster_id=_int_or_none(cluster),
            after=after or None,
            first=first,
        )

    return _act(request, session, workshop, actor, action)


@router.post("/w/{workshop_id}/sort/notes/{note_id}/onto", name="sorting:drop_onto")
def drop_onto(
    request: Request,
    note_id: str,
    workshop: WorkshopDep,
    actor: PageActorDep,
    session: SessionDep,
    target: Id = "",
) -> Response:
    """A note dropped onto another: join its cluster, or start a cluster of the two."""

    def action() -> None:
        other = clusters.live_note(session, workshop, target)
        if other.cluster_id is not None:
            clusters.move_note(
                session=session,
                workshop=workshop,
                actor=actor,
                note_id=note_id,
                cluster_id=other.cluster_id,
                after=other.id,
            )
            return
        stage = session.get(Stage, other.stage_id)
        clusters.create_cluster(
            session=session,
            workshop=workshop,
            actor=actor,
            stage_key=stage.key,
            group=other.group_id,
            note_ids=[other.id, note_id],
        )

    return _act(request, session, workshop, actor, action)


@router.post("/w/{workshop_id}/sort/notes/{note_id}/duplicate", name="sorting:duplicate")
def duplicate(
    request: Request,
    note_id: str,
    workshop: WorkshopDep,
    actor: PageActorDep,
    session: SessionDep,
    of: Id = "",
) -> Response:
    """Fold a note under ``of`` (one click on a suggestion), or unfold it (empty ``of``)."""
    return _act(
        request,
        session,
        workshop,
        actor,
        lambda: clusters.mark_duplicate(
            session=session,
            workshop=workshop,
            actor=actor,
            note_id=note_id,
            duplicate_of=of or None,
        ),
    )


@router.post("/w/{workshop_id}/sort/clusters", name="sorting:create_cluster")
def create_cluster(
    request: Request,
    workshop: WorkshopDep,
    actor: PageActorDep,
    session: SessionDep,
    stage: Id,
    group: Id,
    title: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    return _act(
        request,
        session,
        workshop,
        actor,
        lambda: clusters.create_cluster(
            session=session,
            workshop=workshop,
            actor=actor,
            stage_key=stage,
            group=group,
            title=title,
        ),
    )


@router.post("/w/{workshop_id}/sort/clusters/{cluster_id}/title", name="sorting:title")
def title_cluster(
    request: Request,
    cluster_id: int,
    workshop: WorkshopDep,
    actor: PageActorDep,
    session: SessionDep,
    title: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    return _act(
        request,
        session,
        workshop,
        actor,
        lambda: clusters.update_cluster(
            session=session, workshop=workshop, actor=actor, cluster_id=cluster_id, title=title
        ),
    )


@router.post("/w/{workshop_id}/sort/clusters/{cluster_id}/move", name="sorting:move_cluster")
def move_cluster(
    request: Request,
    cluster_id: int,
    workshop: WorkshopDep,
    actor: PageActorDep,
    session: SessionDep,
    after: Id = "",
) -> Response:
    return _act(
        request,
        session,
        workshop,
        actor,
        lambda: clusters.update_cluster(
            session=session,
            workshop=workshop,
            actor=actor,
            cluster_id=cluster_id,
            after=_int_or_none(after),
        ),
    )


@router.post("/w/{workshop_id}/sort/clusters/{cluster_id}/dissolve", name="sorting:dissolve")
def dissolve(
    request: Request,
    cluster_id: int,
    workshop: WorkshopDep,
    actor: PageActorDep,
    session: SessionDep,
) -> Response:
    return _act(
        request,
        session,
        workshop,
        actor,
        lambda: clusters.dissolve_cluster(
            session=session, workshop=workshop, actor=actor, cluster_id=cluster_id
        ),
    )


@router.post("/w/{workshop_id}/sort/clusters/{cluster_id}/merge", name="sorting:merge")
def merge(
    request: Request,
    cluster_id: int,
    workshop: WorkshopDep,
    actor: PageActorDep,
    session: SessionDep,
    into: Id = "",
) -> Response:
    def action() -> None:
        target = _int_or_none(into)
        if target is None:
            raise Invalid(N_("Choose the cluster to merge into."))
        clusters.merge_clusters(
            session=session, workshop=workshop, actor=actor, cluster_id=cluster_id, into_id=target
        )

    return _act(request, session, workshop, actor, action)


@router.post("/w/{workshop_id}/sort/select", name="sorting:select")
def select_item(
    request: Request,
    workshop: WorkshopDep,
    actor: PageActorDep,
    session: SessionDep,
    stage: Id,
    selected: Annotated[bool, Form()],
    note: Id = "",
    cluster: Id = "",
) -> Response:
    return _act(
        request,
        session,
        workshop,
        actor,
        lambda: selections.set_selected(
            session=session,
            workshop=workshop,
            actor=actor,
            stage_key=stage,
            selected=selected,
            note_id=note or None,
            cluster_id=_int_or_none(cluster),
        ),
    )


# ---- Staff only: reveal, moderation, roles, dots, timer, spotlight ----------------------


@router.post("/w/{workshop_id}/sort/stages/{stage_key}/reveal", name="sorting:reveal")
def set_reveal(
    request: Request,
    stage_key: str,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    hidden: Annotated[bool, Form()],
) -> Response:
    return _staff(
        request,
        session,
        workshop,
        lambda: reveal.set_hidden(
            session=session, workshop=workshop, stage_key=stage_key, hidden=hidden
        ),
    )


@router.post("/w/{workshop_id}/sort/stages/{stage_key}/sorting", name="sorting:sorting_done")
def set_sorting_done(
    request: Request,
    stage_key: str,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    done: Annotated[bool, Form()],
) -> Response:
    return _staff(
        request,
        session,
        workshop,
        lambda: stage_states.set_sorting_done(
            session=session, workshop=workshop, stage_key=stage_key, done=done
        ),
    )


@router.post("/w/{workshop_id}/sort/stages/{stage_key}/voting", name="sorting:voting")
def set_voting(
    request: Request,
    stage_key: str,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    dots_per_person: Annotated[int, Form(ge=1, le=20)],
    dots_per_item: Annotated[int, Form(ge=1, le=20)],
) -> Response:
    return _staff(
        request,
        session,
        workshop,
        lambda: votes.configure(
            session=session,
            workshop=workshop,
            stage_key=stage_key,
            dots_per_person=dots_per_person,
            dots_per_item=dots_per_item,
        ),
    )


@router.post("/w/{workshop_id}/sort/stages/{stage_key}/timer", name="sorting:timer")
def set_timer(
    request: Request,
    stage_key: str,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    minutes: Annotated[str, Form(max_length=8)] = "",
    lock: Annotated[bool, Form()] = False,
) -> Response:
    def action() -> None:
        text = minutes.strip()
        try:
            seconds = round(float(text) * 60) if text else None
        except ValueError:
            raise Invalid(N_("Give the time in minutes.")) from None
        timers.set_timer(
            session=session,
            workshop=workshop,
            stage_key=stage_key,
            seconds=seconds,
            lock_at_zero=lock,
        )

    return _staff(request, session, workshop, action)


@router.post("/w/{workshop_id}/sort/notes/{note_id}/moderate", name="sorting:moderate")
def moderate(
    request: Request,
    note_id: str,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    moderated: Annotated[bool, Form()],
) -> Response:
    return _staff(
        request,
        session,
        workshop,
        lambda: reveal.moderate(
            session=session, workshop=workshop, note_id=note_id, moderated=moderated
        ),
    )


@router.post("/w/{workshop_id}/sort/participants/{participant_id}/role", name="sorting:role")
def set_role(
    request: Request,
    participant_id: str,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    role: Annotated[str, Form(max_length=16)],
) -> Response:
    return _staff(
        request,
        session,
        workshop,
        lambda: organisers.set_role(
            session=session, workshop=workshop, participant_id=participant_id, role=role
        ),
    )


@router.post("/w/{workshop_id}/sort/presentation", name="sorting:presentation")
def set_presentation(
    request: Request,
    workshop: PageRunnerWorkshopDep,
    session: SessionDep,
    group: Id = "",
    step: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    def action() -> None:
        if step in ("next", "previous"):
            presentation.step(
                session=session, workshop=workshop, direction=1 if step == "next" else -1
            )
        else:
            presentation.set_presentation(session=session, workshop=workshop, group=group or None)

    return _staff(request, session, workshop, action)


def _staff(request: Request, session: SessionDep, workshop: Workshop, action: Callable) -> Response:
    return _run(request, session, workshop, action, staff=True)


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
    stage = session.get(Stage, note.stage_id)
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
        back_to=request.app.url_path_for(
            "board:board" if actor.is_staff else "participant:home", workshop_id=workshop.id
        ),
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
        back_to=request.app.url_path_for(
            "board:board" if actor.is_staff else "participant:home", workshop_id=workshop.id
        ),
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
    try:
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
    except DomainError as exc:
        session.rollback()
        return render_error(request, gettext(exc.message, **exc.params), exc.status_code)
    session.commit()
    if not is_htmx(request):
        return RedirectResponse(
            request.app.url_path_for("participant:home", workshop_id=workshop.id), 303
        )
    return _dots_panel(request, session, workshop, participant)


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
