"""The JSON API of live sorting, under ``/api/v1``: clusters, moves, duplicates, picks, dots,
reveal, moderation, roles, spotlight and timer. Same domain functions as the board and phones.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from app.domain import (
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
from app.models import Cluster, Group, Stage
from app.schemas import (
    ClusterEdit,
    ClusterIn,
    ClusterOut,
    DuplicateIn,
    MergeIn,
    ModerationIn,
    MoveIn,
    Placement,
    PresentationIn,
    PresentationOut,
    RevealIn,
    ParticipantRoleIn,
    SelectionIn,
    SelectionResult,
    SortingIn,
    StageControlOut,
    SuggestionOut,
    TimerIn,
    VoteIn,
    VoteResult,
    VotingIn,
)
from app.web.api import PROBLEMS
from app.web.deps import ApiRunnerWorkshopDep, SessionDep, WorkshopActorDep

router = APIRouter(prefix="/api/v1/workshops/{workshop_id}", tags=["sorting"], responses=PROBLEMS)


def _cluster_out(session: SessionDep, cluster: Cluster) -> dict:
    return clusters.cluster_json(
        cluster,
        stage=session.get(Stage, cluster.stage_id),
        group=session.get(Group, cluster.group_id),
    )


@router.post(
    "/clusters",
    response_model=ClusterOut,
    status_code=status.HTTP_201_CREATED,
    name="api:create_cluster",
)
def create_cluster(body: ClusterIn, access: WorkshopActorDep, session: SessionDep) -> dict:
    """Start a cluster in a group's stage with the given notes in it (``cluster.created``)."""
    cluster = clusters.create_cluster(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        stage_key=body.stage,
        group=body.group,
        title=body.title,
        note_ids=body.notes,
    )
    session.commit()
    return _cluster_out(session, cluster)


@router.patch("/clusters/{cluster_id}", response_model=ClusterOut, name="api:edit_cluster")
def edit_cluster(
    cluster_id: int, body: ClusterEdit, access: WorkshopActorDep, session: SessionDep
) -> dict:
    """Retitle and/or reorder a cluster (event ``cluster.updated``)."""
    kwargs: dict = {}
    if "after" in body.model_fields_set:
        kwargs["after"] = body.after
    cluster = clusters.update_cluster(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        cluster_id=cluster_id,
        title=body.title,
        **kwargs,
    )
    session.commit()
    return _cluster_out(session, cluster)


@router.delete(
    "/clusters/{cluster_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    name="api:dissolve_cluster",
)
def dissolve_cluster(cluster_id: int, access: WorkshopActorDep, session: SessionDep) -> Response:
    """Dissolve a cluster; its notes become loose (event ``cluster.dissolved``)."""
    clusters.dissolve_cluster(
        session=session, workshop=access.workshop, actor=access.actor, cluster_id=cluster_id
    )
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/clusters/{cluster_id}/merge", response_model=ClusterOut, name="api:merge_clusters")
def merge_clusters(
    cluster_id: int, body: MergeIn, access: WorkshopActorDep, session: SessionDep
) -> dict:
    """Move every note of this cluster into ``into`` and remove it (event ``cluster.merged``)."""
    target = clusters.merge_clusters(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        cluster_id=cluster_id,
        into_id=body.into,
    )
    session.commit()
    return _cluster_out(session, target)


@router.put("/notes/{note_id}/place", response_model=Placement, name="api:move_note")
def move_note(note_id: str, body: MoveIn, access: WorkshopActorDep, session: SessionDep) -> dict:
    """Move a note into a cluster after a given note, or back among loose notes (``note.moved``)."""
    note = clusters.move_note(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        note_id=note_id,
        cluster_id=body.cluster_id,
        after=body.after,
        first=body.first,
    )
    session.commit()
    return clusters.placement(note)


@router.put("/notes/{note_id}/duplicate-of", response_model=Placement, name="api:duplicate_note")
def duplicate_note(
    note_id: str, body: DuplicateIn, access: WorkshopActorDep, session: SessionDep
) -> dict:
    """Fold a note under the note it repeats; null unfolds it (event ``note.duplicate``)."""
    note = clusters.mark_duplicate(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        note_id=note_id,
        duplicate_of=body.duplicate_of,
    )
    session.commit()
    return clusters.placement(note)


@router.get("/suggestions", response_model=list[SuggestionOut], name="api:duplicate_suggestions")
def duplicate_suggestions(
    access: WorkshopActorDep,
    session: SessionDep,
    stage: Annotated[str, Query(max_length=64)],
    group: Annotated[str, Query(max_length=64)],
) -> list[dict]:
    """Likely duplicates within a group and stage (Japanese-aware similarity), best first."""
    target = workshops.find_group(session, access.workshop.id, group)
    organisers.require_organiser(access.actor, target.id)
    found = workshops.stage_by_key(session, access.workshop.id, stage)
    layout = layouts.group_layout(session, stage=found, group_id=target.id)
    if layout.hidden and not access.actor.is_staff:
        return []
    return [
        {"original_id": s.original.id, "duplicate_id": s.duplicate.id, "score": s.score}
        for s in layout.suggestions
    ]


@router.put("/selections", response_model=SelectionResult, name="api:select")
def select_item(body: SelectionIn, access: WorkshopActorDep, session: SessionDep) -> dict:
    """Pick (or unpick) a note or cluster of the source stage in a select stage."""
    picked = selections.set_selected(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        stage_key=body.stage,
        selected=body.selected,
        note_id=body.note_id,
        cluster_id=body.cluster_id,
    )
    session.commit()
    return {"selected": picked.selected, "changed": picked.changed}


@router.put("/votes", response_model=VoteResult, name="api:vote")
def vote(body: VoteIn, access: WorkshopActorDep, session: SessionDep) -> dict:
    """Put exactly ``dots`` of your dots on one item (0 takes them back; ``vote.changed``)."""
    voted = votes.set_dots(
        session=session,
        workshop=access.workshop,
        actor=access.actor,
        stage_key=body.stage,
        dots=body.dots,
        note_id=body.note_id,
        cluster_id=body.cluster_id,
    )
    session.commit()
    return {"dots": voted.dots, "total": voted.total, "remaining": voted.remaining}


@router.put("/stages/{stage_key}/voting", response_model=StageControlOut, name="api:voting")
def configure_voting(
    stage_key: str, body: VotingIn, workshop: ApiRunnerWorkshopDep, session: SessionDep
) -> dict:
    """Set each participant's dots and the most dots on one item (event ``stage.voting``)."""
    stage = votes.configure(
        session=session,
        workshop=workshop,
        stage_key=stage_key,
        dots_per_person=body.dots_per_person,
        dots_per_item=body.dots_per_item,
    )
    session.commit()
    return _control_out(session, stage)


@router.put("/stages/{stage_key}/reveal", response_model=StageControlOut, name="api:reveal")
def set_reveal(
    stage_key: str, body: RevealIn, workshop: ApiRunnerWorkshopDep, session: SessionDep
) -> dict:
    """Hide a stage's notes until the reveal (``hidden: true``), or reveal them all."""
    stage = reveal.set_hidden(
        session=session, workshop=workshop, stage_key=stage_key, hidden=body.hidden
    )
    session.commit()
    return _control_out(session, stage)


@router.put("/stages/{stage_key}/sorting", response_model=StageControlOut, name="api:sorting")
def set_sorting(
    stage_key: str, body: SortingIn, workshop: ApiRunnerWorkshopDep, session: SessionDep
) -> dict:
    """End sorting in a stage (``done: true``) or let it resume; posting is not affected."""
    stage_states.set_sorting_done(
        session=session, workshop=workshop, stage_key=stage_key, done=body.done
    )
    session.commit()
    return _control_out(session, workshops.stage_by_key(session, workshop.id, stage_key))


@router.put("/stages/{stage_key}/timer", response_model=StageControlOut, name="api:timer")
def set_timer(
    stage_key: str, body: TimerIn, workshop: ApiRunnerWorkshopDep, session: SessionDep
) -> dict:
    """Start a countdown (``seconds``), optionally closing posting at zero; null stops it."""
    timers.set_timer(
        session=session,
        workshop=workshop,
        stage_key=stage_key,
        seconds=body.seconds,
        lock_at_zero=body.lock_at_zero,
    )
    session.commit()
    return _control_out(session, workshops.stage_by_key(session, workshop.id, stage_key))


@router.put("/notes/{note_id}/moderation", name="api:moderate_note")
def moderate_note(
    note_id: str, body: ModerationIn, workshop: ApiRunnerWorkshopDep, session: SessionDep
) -> dict:
    """Hide one note from participants and the projector, or restore it (``note.moderated``)."""
    note = reveal.moderate(
        session=session, workshop=workshop, note_id=note_id, moderated=body.moderated
    )
    session.commit()
    return {"id": note.id, "moderated": note.moderated_at is not None}


@router.put("/participants/{participant_id}/role", name="api:participant_role")
def set_role(
    participant_id: str,
    body: ParticipantRoleIn,
    workshop: ApiRunnerWorkshopDep,
    session: SessionDep,
) -> dict:
    """Make a participant their group's recorder, or a member (``participant.role``)."""
    participant = organisers.set_role(
        session=session, workshop=workshop, participant_id=participant_id, role=body.role
    )
    session.commit()
    return {"participant_id": participant.id, "role": participant.role}


@router.put("/presentation", response_model=PresentationOut, name="api:presentation")
def set_presentation(
    body: PresentationIn, workshop: ApiRunnerWorkshopDep, session: SessionDep
) -> dict:
    """Spotlight one group (null ends it) and optionally set the presenting order."""
    state = presentation.set_presentation(
        session=session, workshop=workshop, group=body.group, order=body.order
    )
    session.commit()
    return _presentation_out(state)


@router.post(
    "/presentation/{direction}",
    response_model=PresentationOut,
    name="api:presentation_step",
)
def step_presentation(
    direction: Literal["next", "previous"],
    workshop: ApiRunnerWorkshopDep,
    session: SessionDep,
) -> dict:
    """Spotlight the next or previous group in the presenting order."""
    state = presentation.step(
        session=session, workshop=workshop, direction=1 if direction == "next" else -1
    )
    session.commit()
    return _presentation_out(state)


def _presentation_out(state: presentation.State) -> dict:
    return {
        "group": state.group.name if state.group else None,
        "order": [g.name for g in state.order],
    }


def _control_out(session: SessionDep, stage: Stage) -> dict:
    control = stage_controls.peek(session, stage)
    return {
        "stage": stage.key,
        "hidden": control.hidden,
        "dots_per_person": control.dots_per_person,
        "dots_per_item": control.dots_per_item,
        "timer_ends_at": timers.iso(control.timer_ends_at),
        "timer_locks": control.timer_locks,
        "sorting": stage_controls.sorting_state(stage, control),
    }
