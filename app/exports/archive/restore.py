"""Import: an archive becomes a new workshop, written by the domain's own writers.

Every row goes in through the function the live screens use for that kind of row, and every
event through the builder in ``event_types``, so a subscriber replaying an imported workshop's
log ends with the board its tables hold, exactly as for a workshop that ran live.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, SQLModel, col, delete, select, update

from app.domain import (
    clusters,
    notes,
    participants,
    presentation,
    records,
    reveal,
    selections,
    stage_controls,
    votes,
    workshops,
)
from app.domain.formats import StageSpec
from app.domain.records import comments, feedback, qa
from app.errors import Invalid
from app.exports.archive.schema import (
    ArchiveIn,
    NoteIn,
    check_references,
    check_sorting,
    group_named,
    load,
)
from app.i18n import N_
from app.live import event_types, events
from app.models import Answer, Cluster, Group, Note, Participant, Question, Stage, Workshop

# A chunked import commits after about this much writing, so others wait at most about as long.
CHUNK_SECONDS = 0.25
NOTES_PER_BATCH = 50


def restore(
    *,
    session: Session,
    archive: ArchiveIn,
    owner_id: int | None,
    pause: Callable[[], None] | None = None,
) -> Workshop:
    """Recreate the archived workshop as a new one; the caller commits, or nothing is kept.

    With ``pause``, the notes are written in chunks of about ``CHUNK_SECONDS``: ``pause``
    commits what was written and lets other workshops' writers take the lock, so a
    50,000-note import never holds it for long. The workshop stays closed (nobody can join a
    half-imported one) until the last chunk; a failure part-way removes what was written.
    """
    check_sorting(archive)
    check_references(archive)
    source = archive.workshop
    workshop = workshops.create_workshop(
        session=session,
        title=source.title,
        stages=[StageSpec(**stage.model_dump(exclude={"status"})) for stage in archive.stages],
        groups=archive.groups,
        format_key=source.format_key,
        date=source.date,
        start_time=source.start_time,
        venue=source.venue,
        owner_id=owner_id,
    )
    stages = {s.key: s for s in workshops.stages_of(session, workshop.id)}
    groups = {g.name: g for g in workshops.groups_of(session, workshop.id)}
    for spec in archive.stages:
        stages[spec.key].status = spec.status
        session.add(stages[spec.key])
    if source.current_stage is not None and source.current_stage not in stages:
        raise Invalid(
            N_("The archive's current stage “%(key)s” is not one of its stages."),
            key=source.current_stage,
        )
    workshop.current_stage_key = source.current_stage
    workshop.status = source.status
    session.add(workshop)
    events.lock_workshop(session, workshop.id)
    # Before the notes, so a hidden stage is hidden from its first note on.
    _restore_controls(session, workshop=workshop, stages=stages, archive=archive)

    target = _Target(workshop=workshop, stages=stages, groups=groups, owner_id=owner_id)
    if pause is None:
        _restore_rows(session, target, archive, None)
        return workshop
    workshop.status = "closed"
    session.add(workshop)
    try:
        _restore_rows(session, target, archive, pause)
    except Exception:
        session.rollback()
        discard(session, workshop.id)
        session.commit()
        raise
    workshop.status = source.status
    session.add(workshop)
    return workshop


def import_bytes(
    *, session: Session, raw: bytes, owner_id: int | None, pause: Callable[[], None] | None = None
) -> Workshop:
    return restore(session=session, archive=load(raw), owner_id=owner_id, pause=pause)


def discard(session: Session, workshop_id: int) -> None:
    """Delete every row of a workshop (a chunked import that failed part-way)."""
    session.exec(update(Note).where(col(Note.workshop_id) == workshop_id).values(duplicate_of=None))
    questions = select(Question.id).where(Question.workshop_id == workshop_id)
    session.exec(delete(Answer).where(col(Answer.question_id).in_(questions)))
    for table in reversed(SQLModel.metadata.sorted_tables):
        if "workshop_id" in table.c and table.name != "workshop":
            session.exec(delete(table).where(table.c.workshop_id == workshop_id))
    session.exec(delete(Workshop).where(col(Workshop.id) == workshop_id))


@dataclass
class _Target:
    """The new workshop and its stages, groups, people, notes and clusters by the archive's
    names for them."""

    workshop: Workshop
    stages: dict[str, Stage]
    groups: dict[str, Group]
    owner_id: int | None
    people: dict[str, Participant] = field(default_factory=dict)
    notes: dict[str, Note] = field(default_factory=dict)
    clusters: dict[str, Cluster] = field(default_factory=dict)

    def group(self, name: str) -> Group:
        return group_named(self.groups, name)

    def person(self, ref: str | None) -> Participant | None:
        if ref is None:
            return None
        if ref not in self.people:
            raise Invalid(
                N_("The archive refers to an unknown participant “%(ref)s”."), ref=ref[:40]
            )
        return self.people[ref]


def _restore_rows(
    session: Session, target: _Target, archive: ArchiveIn, pause: Callable[[], None] | None
) -> None:
    for person in archive.participants:
        if person.ref in target.people:
            raise Invalid(N_("The archive names participant “%(ref)s” twice."), ref=person.ref)
        target.people[person.ref] = participants.insert_participant(
            session,
            group=target.group(person.group),
            name=person.name,
            organization=person.organization,
            role=person.role,
            # Nobody holds a token for an imported participant; a random hash that matches none.
            token_hash=participants.hash_token(secrets.token_urlsafe(32)),
            joined_at=person.joined_at,
        )
    session.flush()

    chunk_started = time.monotonic()
    for first in range(0, len(archive.notes), NOTES_PER_BATCH):
        if pause is not None and time.monotonic() - chunk_started > CHUNK_SECONDS:
            pause()
            chunk_started = time.monotonic()
        batch = archive.notes[first : first + NOTES_PER_BATCH]
        _restore_notes(session, target, batch)
    _restore_clusters(session, target, archive)
    _restore_note_marks(session, target, archive)
    _restore_picks_and_dots(session, target, archive)
    _restore_presentation(session, target, archive)
    _restore_records(session, target, archive)
    if archive.details is not None:
        records.update_details(session=session, workshop=target.workshop, changes=archive.details)
    imported = event_types.workshop_imported(
        notes=len(archive.notes), questions=len(archive.questions)
    )
    events.append(session, workshop_id=target.workshop.id, event=imported)


def _restore_notes(session: Session, target: _Target, batch: Sequence[NoteIn]) -> None:
    drafts = [
        notes.Draft(
            stage=target.stages[item.stage],
            group=target.group(item.group),
            text=item.text,
            author=target.person(item.participant),
            author_user_id=target.owner_id if item.by_staff else None,
            created_at=item.created_at,
            updated_at=item.updated_at,
            deleted_at=item.deleted_at,
        )
        for item in batch
    ]
    written = notes.write_batch(session, workshop_id=target.workshop.id, drafts=drafts)
    for item, note in zip(batch, written, strict=True):
        target.notes[item.ref] = note


def _restore_controls(
    session: Session, *, workshop: Workshop, stages: dict[str, Stage], archive: ArchiveIn
) -> None:
    for item in archive.stage_controls:
        stage = stages[item.stage]
        control = stage_controls.control_of(session, stage)
        control.hidden = item.hidden
        control.dots_per_person = item.dots_per_person
        control.dots_per_item = item.dots_per_item
        control.timer_locks = item.timer_locks
        control.sorting_done = item.sorting_done
        session.add(control)
        session.flush()
        if item.hidden:
            hidden = event_types.stage_revealed(stage=stage.key, hidden=True)
            events.append(session, workshop_id=workshop.id, event=hidden)
        if stage.kind == "vote":
            voting = event_types.stage_voting(
                stage=stage.key,
                dots_per_person=item.dots_per_person,
                dots_per_item=item.dots_per_item,
            )
            events.append(session, workshop_id=workshop.id, event=voting)


def _restore_clusters(session: Session, target: _Target, archive: ArchiveIn) -> None:
    """Each cluster with its notes, logged as the board logs a new one. Deleted notes get their
    place back silently: the log already told subscribers they are gone."""
    members: dict[str, list[NoteIn]] = {}
    for source in archive.notes:
        if source.cluster is not None:
            members.setdefault(source.cluster, []).append(source)
    for item in archive.clusters:
        stage, group = target.stages[item.stage], target.groups[item.group]
        pile = clusters.insert_cluster(
            session,
            stage=stage,
            group=group,
            title=clusters.clean_title(item.title),
            position=item.position,
        )
        inside = []
        for source in members.get(item.ref, []):
            note = target.notes[source.ref]
            note.cluster_id = pile.id
            note.position = source.position
            session.add(note)
            if note.deleted_at is None:
                inside.append(note)
        session.flush()
        clusters.announce_cluster(session, cluster=pile, stage=stage, group=group, notes=inside)
        target.clusters[item.ref] = pile


def _restore_note_marks(session: Session, target: _Target, archive: ArchiveIn) -> None:
    """Folded duplicates and moderated notes, each logged as the sorting screens log it."""
    for source in archive.notes:
        note = target.notes[source.ref]
        if source.duplicate_of is None and source.moderated_at is None:
            continue
        note.duplicate_of = target.notes[source.duplicate_of].id if source.duplicate_of else None
        note.moderated_at = source.moderated_at
        session.add(note)
        session.flush()
        if note.deleted_at is not None:
            continue
        stage, group = target.stages[source.stage], target.groups[source.group]
        if note.duplicate_of is not None:
            folded = event_types.note_duplicate(
                stage=stage.key,
                group=group.name,
                note_id=note.id,
                duplicate_of=note.duplicate_of,
                notes=[clusters.placement(note)],
            )
            events.append(session, workshop_id=target.workshop.id, event=folded)
        if note.moderated_at is not None:
            reveal.announce_moderation(session, note=note, stage=stage, group=group)


def _restore_picks_and_dots(session: Session, target: _Target, archive: ArchiveIn) -> None:
    for pick in archive.selections:
        selections.insert_selection(
            session,
            stage=target.stages[pick.stage],
            group=target.groups[pick.group],
            note_id=target.notes[pick.note].id if pick.note else None,
            cluster_id=target.clusters[pick.cluster].id if pick.cluster else None,
        )
    by_id = {g.id: g for g in target.groups.values()}
    for vote in archive.votes:
        note_id: str | None = None
        cluster_id: int | None = None
        if vote.note:
            note = target.notes[vote.note]
            note_id, group_id = note.id, note.group_id
        else:
            pile = target.clusters[vote.cluster or ""]
            cluster_id, group_id = pile.id, pile.group_id
        stage = target.stages[vote.stage]
        voter = target.people[vote.participant]
        votes.insert_vote(
            session,
            stage=stage,
            participant_id=voter.id,
            note_id=note_id,
            cluster_id=cluster_id,
            dots=vote.dots,
        )
        session.flush()
        votes.announce_vote(
            session,
            stage=stage,
            group=by_id[group_id],
            participant_id=voter.id,
            note_id=note_id,
            cluster_id=cluster_id,
            dots=vote.dots,
        )


def _restore_presentation(session: Session, target: _Target, archive: ArchiveIn) -> None:
    shown = archive.presentation
    if shown is None:
        return
    presentation.write(
        session,
        workshop=target.workshop,
        group=target.groups[shown.group] if shown.group is not None else None,
        order=[target.groups[name] for name in shown.order],
    )


def _restore_records(session: Session, target: _Target, archive: ArchiveIn) -> None:
    """Questions with their answers, comments and feedback; the live screens log these for
    staff as they happen, an import brings them in silently."""
    workshop_id = target.workshop.id
    for item in archive.questions:
        asker = target.person(item.participant)
        question = qa.insert_question(
            session,
            workshop_id=workshop_id,
            participant_id=asker.id if asker else None,
            author_user_id=None if asker else target.owner_id,
            text=item.text,
            organization=item.organization,
            remark=item.remark,
            asked_at=item.asked_at,
        )
        for answer in item.answers:
            qa.insert_answer(
                session,
                question=question,
                organization=answer.organization,
                text=answer.text,
                answered_at=answer.answered_at,
            )
    for comment in archive.comments:
        comments.insert_comment(
            session,
            workshop_id=workshop_id,
            role=comment.role,
            name=comment.name,
            organization=comment.organization,
            text=comment.text,
            created_at=comment.created_at,
        )
    seen_feedback: set[str | None] = set()
    for entry in archive.feedback:
        giver = target.person(entry.participant)
        key = giver.id if giver else None
        if key is not None and key in seen_feedback:
            raise Invalid(N_("The archive holds two feedback entries from one participant."))
        seen_feedback.add(key)
        feedback.insert_feedback(
            session,
            workshop_id=workshop_id,
            participant_id=key,
            text=entry.text,
            rating=entry.rating,
            created_at=entry.created_at,
            updated_at=entry.updated_at,
        )
    session.flush()
