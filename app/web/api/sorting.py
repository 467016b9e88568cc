"""The JSON API of live sorting, under ``/api/v1``: clusters, moves, duplicates, picks, dots,
reveal, moderation, roles, spotlight and timer. Same domain functions as the board and phones.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from sqlmodel import Session

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
    ParticipantRoleIn,
    Placement,
    PresentationIn,
    PresentationOut,
    RevealIn,
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
from app.web.actions import ApiRunnerWriteDep, ApiWriteDep, Write
from app.web.api.common import PROBLEMS
from app.web.deps import SessionDep, WorkshopActorDep

router = APIRouter(prefix="/api/v1/workshops/{workshop_id}", tags=["sorting"], responses=PROBLEMS)


def _cluster_out(session: Session, cluster: Cluster) -> dict:
    return clusters.cluster_json(
        cluster,
        stage=session.get_one(Stage, cluster.stage_id),
        group=session.get_one(Group, cluster.group_id),
    )


@router.post(
    "/clusters",
    response_model=ClusterOut,
    status_code=status.HTTP_201_CREATED,
    name="api:create_cluster",
)
def create_cluster(body: ClusterIn, write: ApiWriteDep) -> dict:
    """Start a cluster in a group's stage with the given notes in it (``cluster.created``)."""
    cluster = write(
        clusters.create_cluster,
        stage_key=body.stage,
        group=body.group,
        title=body.title,
        note_ids=body.notes,
    )
    return _cluster_out(write.session, cluster)


@router.patch("/clusters/{cluster_id}", response_model=ClusterOut, name="api:edit_cluster")
def edit_cluster(cluster_id: int, body: ClusterEdit, write: ApiWriteDep) -> dict:
    """Retitle and/or reorder a cluster (event ``cluster.updated``)."""
    # ``after`` only when sent: null moves the cluster first, absent leaves it where it is.
    moved = {"after": body.after} if "after" in body.model_fields_set else {}
    cluster = write(clusters.update_cluster, cluster_id=cluster_id, title=body.title, **moved)
    return _cluster_out(write.session, cluster)


@router.delete(
    "/clusters/{cluster_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    name="api:dissolve_cluster",
)
def dissolve_cluster(cluster_id: int, write: ApiWriteDep) -> Response:
    """Dissolve a cluster; its notes become loose (event ``cluster.dissolved``)."""
    write(clusters.dissolve_cluster, cluster_id=cluster_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/clusters/{cluster_id}/merge", response_model=ClusterOut, name="api:merge_clusters")
def merge_clusters(cluster_id: int, body: MergeIn, write: ApiWriteDep) -> dict:
    """Move every note of this cluster into ``into`` and remove it (event ``cluster.merged``)."""
    target = write(clusters.merge_clusters, cluster_id=cluster_id, into_id=body.into)
    return _cluster_out(write.session, target)


@router.put("/notes/{note_id}/place", response_model=Placement, name="api:move_note")
def move_note(note_id: str, body: MoveIn, write: ApiWriteDep) -> dict:
    """Move a note into a cluster after a given note, or back among loose notes (``note.moved``)."""
    note = write(
        clusters.move_note,
        note_id=note_id,
        cluster_id=body.cluster_id,
        after=body.after,
        first=body.first,
    )
    return clusters.placement(note)


@router.put("/notes/{note_id}/duplicate-of", response_model=Placement, name="api:duplicate_note")
def duplicate_note(note_id: str, body: DuplicateIn, write: ApiWriteDep) -> dict:
    """Fold a note under the note it repeats; null unfolds it (event ``note.duplicate``)."""
    note = write(clusters.mark_duplicate, note_id=note_id, duplicate_of=body.duplicate_of)
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
def select_item(body: SelectionIn, write: ApiWriteDep) -> dict:
    """Pick (or unpick) a note or cluster of the source stage in a select stage."""
    picked = write(
        selections.set_selected,
        stage_key=body.stage,
        selected=body.selected,
        note_id=body.note_id,
        cluster_id=body.cluster_id,
    )
    return {"selected": picked.selected, "changed": picked.changed}


@router.put("/votes", response_model=VoteResult, name="api:vote")
def vote(body: VoteIn, write: ApiWriteDep) -> dict:
    """Put exactly ``dots`` of your dots on one item (0 takes them back; ``vote.changed``)."""
    voted = write(
        votes.set_dots,
        stage_key=body.stage,
        dots=body.dots,
        note_id=body.note_id,
        cluster_id=body.cluster_id,
    )
    return {"dots": voted.dots, "total": voted.total, "remaining": voted.remaining}


@router.put("/stages/{stage_key}/voting", response_model=StageControlOut, name="api:voting")
def configure_voting(stage_key: str, body: VotingIn, write: ApiRunnerWriteDep) -> dict:
    """Set each participant's dots and the most dots on one item (event ``stage.voting``)."""
    stage = write(
        votes.configure,
        stage_key=stage_key,
        dots_per_person=body.dots_per_person,
        dots_per_item=body.dots_per_item,
    )
    return _control_out(write.session, stage)


@router.put("/stages/{stage_key}/reveal", response_model=StageControlOut, name="api:reveal")
def set_reveal(stage_key: str, body: RevealIn, write: ApiRunnerWriteDep) -> dict:
    """Hide a stage's notes until the reveal (``hidden: true``), or reveal them all."""
    stage = write(reveal.set_hidden, stage_key=stage_key, hidden=body.hidden)
    return _control_out(write.session, stage)


@router.put("/stages/{stage_key}/sorting", response_model=StageControlOut, name="api:sorting")
def set_sorting(stage_key: str, body: SortingIn, write: ApiRunnerWriteDep) -> dict:
    """End sorting in a stage (``done: true``) or let it resume; posting is not affected."""
    write(stage_states.set_sorting_done, stage_key=stage_key, done=body.done)
    return _stage_control_out(write, stage_key)


@router.put("/stages/{stage_key}/timer", response_model=StageControlOut, name="api:timer")
def set_timer(stage_key: str, body: TimerIn, write: ApiRunnerWriteDep) -> dict:
    """Start a countdown (``seconds``), optionally closing posting at zero; null stops it."""
    write(
        timers.set_timer,
        stage_key=stage_key,
        seconds=body.seconds,
        lock_at_zero=body.lock_at_zero,
    )
    return _stage_control_out(write, stage_key)


@router.put("/notes/{note_id}/moderation", name="api:moderate_note")
def moderate_note(note_id: str, body: ModerationIn, write: ApiRunnerWriteDep) -> dict:
    """Hide one note from participants and the projector, or restore it (``note.moderated``)."""
    note = write(reveal.moderate, note_id=note_id, moderated=body.moderated)
    return {"id": note.id, "moderated": note.moderated_at is not None}


@router.put("/participants/{participant_id}/role", name="api:participant_role")
def set_role(participant_id: str, body: ParticipantRoleIn, write: ApiRunnerWriteDep) -> dict:
    """Make a participant their group's recorder, or a member (``participant.role``)."""
    participant = write(organisers.set_role, participant_id=participant_id, role=body.role)
    return {"participant_id": participant.id, "role": participant.role}


@router.put("/presentation", response_model=PresentationOut, name="api:presentation")
def set_presentation(body: PresentationIn, write: ApiRunnerWriteDep) -> dict:
    """Spotlight one group (null ends it) and optionally set the presenting order."""
    state = write(presentation.set_presentation, group=body.group, order=body.order)
    return _presentation_out(state)


@router.post(
    "/presentation/{direction}",
    response_model=PresentationOut,
    name="api:presentation_step",
)
def step_presentation(direction: Literal["next", "previous"], write: ApiRunnerWriteDep) -> dict:
    """Spotlight the next or previous group in the presenting order."""
    state = write(presentation.step, direction=1 if direction == "next" else -1)
    return _presentation_out(state)


def _presentation_out(state: presentation.State) -> dict:
    return {
        "group": state.group.name if state.group else None,
        "order": [g.name for g in state.order],
    }


def _stage_control_out(write: Write, stage_key: str) -> dict:
    """The controls of a stage a write changed without returning it."""
    return _control_out(
        write.session, workshops.stage_by_key(write.session, write.workshop.id, stage_key)
    )


def _control_out(session: Session, stage: Stage) -> dict:
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
