"""One plain Report object built from the database; every export format renders it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app import i18n
from app.domain import boards, funnel_items, records, selections, workshops
from app.domain import notes as notes_domain
from app.models import Cluster, Note, Participant, Vote, Workshop, utcnow

# Stages whose notes are group results; Q&A and feedback stages have their own sections.
RESULT_KINDS = ("post", "select", "vote")


@dataclass(frozen=True)
class ReportNote:
    text: str
    name: str
    organization: str
    created_at: dt.datetime
    id: str = ""
    cluster: str = ""
    duplicate_of: str | None = None
    selected: bool = False
    votes: int = 0


@dataclass(frozen=True)
class ReportStage:
    key: str
    label: str
    label_en: str
    kind: str
    notes: tuple[ReportNote, ...]

    def folded(self) -> Iterator[tuple[ReportNote, tuple[ReportNote, ...]]]:
        """Each note that is nobody's duplicate, with the duplicates folded under it."""
        ids = {note.id for note in self.notes}
        copies: dict[str, list[ReportNote]] = {}
        for note in self.notes:
            if note.duplicate_of and note.duplicate_of in ids:
                copies.setdefault(note.duplicate_of, []).append(note)
        for note in self.notes:
            if not (note.duplicate_of and note.duplicate_of in ids):
                yield note, tuple(copies.get(note.id, ()))

    def clustered(self) -> list[tuple[str, list[tuple[ReportNote, tuple[ReportNote, ...]]]]]:
        """Folded notes under their cluster titles, clusters in first-seen order; "" = none."""
        order: list[str] = []
        grouped: dict[str, list[tuple[ReportNote, tuple[ReportNote, ...]]]] = {}
        for note, copies in self.folded():
            if note.cluster not in grouped:
                order.append(note.cluster)
                grouped[note.cluster] = []
            grouped[note.cluster].append((note, copies))
        return [(title, grouped[title]) for title in order]


@dataclass(frozen=True)
class ReportGroup:
    name: str
    stages: tuple[ReportStage, ...]


@dataclass(frozen=True)
class ReportRole:
    role: str
    label: str
    names: tuple[str, ...]
    organization: str


@dataclass(frozen=True)
class ReportAnswer:
    organization: str
    text: str


@dataclass(frozen=True)
class ReportQuestion:
    text: str
    organization: str
    answers: tuple[ReportAnswer, ...]
    remark: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ReportComment:
    role: str
    label: str
    name: str
    organization: str
    text: str


@dataclass(frozen=True)
class ReportFeedback:
    text: str
    rating: int | None
    name: str
    organization: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Report:
    workshop_id: int
    title: str
    date: dt.date | None
    start_time: str | None
    venue: str | None
    group_names: tuple[str, ...]
    participant_count: int
    stage_labels: tuple[tuple[str, str, str], ...]
    groups: tuple[ReportGroup, ...]
    generated_at: dt.datetime = field(default_factory=utcnow)
    status: str = "live"
    end_time: str | None = None
    organizations: tuple[str, ...] = ()
    counted_participants: int = 0
    roles: tuple[ReportRole, ...] = ()
    purpose: str = ""
    materials: str = ""
    steps: tuple[str, ...] = ()
    theme: str = ""
    case_summary: str = ""
    closing_summary: str = ""
    questions: tuple[ReportQuestion, ...] = ()
    comments: tuple[ReportComment, ...] = ()
    feedback: tuple[ReportFeedback, ...] = ()

    @property
    def note_count(self) -> int:
        return sum(len(stage.notes) for group in self.groups for stage in group.stages)

    def note_rows(self) -> Iterator[tuple[ReportGroup, ReportStage, ReportNote]]:
        """Every note with its group and stage, in report order: the spreadsheet's rows."""
        for group in self.groups:
            for stage in group.stages:
                for note in stage.notes:
                    yield group, stage, note


@dataclass(frozen=True)
class SortingFact:
    cluster: str = ""
    duplicate_of: str | None = None
    selected: bool = False
    votes: int = 0


NO_SORTING = SortingFact()


def _sorting_facts(session: Session, notes: Sequence[Note]) -> dict[str, SortingFact]:
    """Cluster title, duplicate-of, ③ selection and dot votes of each note, by note id.

    This is the one place that reads how groups sorted their notes; every format shows it.
    A note counts as selected when it, or the cluster it sits in, was picked in a funnel stage.
    """
    if not notes:
        return {}
    workshop_id = notes[0].workshop_id
    titles = {
        cluster.id: cluster.title
        for cluster in session.exec(
            select(Cluster).where(
                Cluster.workshop_id == workshop_id, col(Cluster.deleted_at).is_(None)
            )
        ).all()
    }
    picked = selections.selections_of(session, workshop_id)
    picked_notes = {row.note_id for row in picked if row.note_id}
    picked_clusters = {row.cluster_id for row in picked if row.cluster_id}
    dots: dict[str, int] = {}
    for vote in session.exec(select(Vote).where(Vote.workshop_id == workshop_id)).all():
        if vote.note_id:
            dots[vote.note_id] = dots.get(vote.note_id, 0) + vote.dots
    untitled = i18n.gettext("(untitled cluster)")
    facts: dict[str, SortingFact] = {}
    for note in notes:
        cluster_id = note.cluster_id if note.cluster_id in titles else None
        fact = SortingFact(
            cluster=(titles.get(cluster_id) or untitled) if cluster_id else "",
            duplicate_of=note.duplicate_of,
            selected=note.id in picked_notes or (cluster_id in picked_clusters),
            votes=dots.get(note.id, 0),
        )
        if fact != NO_SORTING:
            facts[note.id] = fact
    return facts


def build(session: Session, workshop: Workshop) -> Report:
    stages = [s for s in workshops.stages_of(session, workshop.id) if s.kind in RESULT_KINDS]
    groups = workshops.groups_of(session, workshop.id)
    # A note the facilitator hid as inappropriate stays out of the report too.
    notes = [
        note
        for note in notes_domain.live_notes(session, workshop_id=workshop.id)
        if note.moderated_at is None
    ]
    authors = boards.authors_of(session, notes)
    facts = _sorting_facts(session, notes)
    by_place: dict[tuple[int, int], list[Note]] = {}
    for note in notes:
        by_place.setdefault((note.group_id, note.stage_id), []).append(note)
    sections = []
    for group in groups:
        group_stages = []
        for stage in stages:
            if stage.kind == "select":
                # The funnel: what the group picked from the source stage, then what it added.
                picked = funnel_items.report_items(session, stage=stage, group_id=group.id)
                group_stages.append(
                    ReportStage(
                        key=stage.key,
                        label=stage.label,
                        label_en=stage.label_en,
                        kind=stage.kind,
                        notes=tuple(_picked(text, n, authors) for text, n in picked),
                    )
                )
                continue
            items = []
            for note in by_place.get((group.id, stage.id), ()):
                author = authors.get(note.participant_id) if note.participant_id else None
                fact = facts.get(note.id, NO_SORTING)
                items.append(
                    ReportNote(
                        text=note.text,
                        name=author.name if author else "",
                        organization=author.organization if author else "",
                        created_at=note.created_at,
                        id=note.id,
                        cluster=fact.cluster,
                        duplicate_of=fact.duplicate_of,
                        selected=fact.selected,
                        votes=fact.votes,
                    )
                )
            group_stages.append(
                ReportStage(
                    key=stage.key,
                    label=stage.label,
                    label_en=stage.label_en,
                    kind=stage.kind,
                    notes=tuple(items),
                )
            )
        sections.append(ReportGroup(name=group.name, stages=tuple(group_stages)))
    details = records.details_of(session, workshop.id)
    counted = workshops.participant_count(session, workshop.id)
    all_stages = workshops.stages_of(session, workshop.id)
    return Report(
        workshop_id=workshop.id,
        title=workshop.title,
        date=workshop.date,
        start_time=workshop.start_time,
        venue=workshop.venue,
        group_names=tuple(group.name for group in groups),
        participant_count=(
            details.participant_count if details.participant_count is not None else counted
        ),
        stage_labels=tuple((s.key, s.label, s.label_en) for s in stages),
        groups=tuple(sections),
        status=workshop.status,
        end_time=details.end_time,
        organizations=details.organizations,
        counted_participants=counted,
        roles=tuple(
            ReportRole(
                role=role.role,
                label=records.role_label(role.role),
                names=role.names,
                organization=role.organization,
            )
            for role in details.roles
        ),
        purpose=details.purpose,
        materials=details.materials,
        steps=details.steps if details.saved else records.steps_from_format(all_stages),
        theme=details.theme,
        case_summary=details.case_summary,
        closing_summary=details.closing_summary,
        questions=_questions(session, workshop.id),
        comments=tuple(
            ReportComment(
                role=c.role,
                label=records.role_label(c.role),
                name=c.name,
                organization=c.organization,
                text=c.text,
            )
            for c in records.comments_of(session, workshop.id)
        ),
        feedback=_feedback(session, workshop.id),
    )


def _picked(text: str, note: Note | None, authors: dict[str, Participant]) -> ReportNote:
    author = authors.get(note.participant_id) if note and note.participant_id else None
    return ReportNote(
        text=text,
        name=author.name if author else "",
        organization=author.organization if author else "",
        created_at=note.created_at if note else utcnow(),
        id=note.id if note else "",
    )


def _questions(session: Session, workshop_id: int) -> tuple[ReportQuestion, ...]:
    return tuple(
        ReportQuestion(
            text=item.question.text,
            organization=item.question.organization,
            answers=tuple(
                ReportAnswer(organization=a.organization, text=a.text) for a in item.answers
            ),
            remark=item.question.remark,
            created_at=item.question.created_at,
        )
        for item in records.questions_of(session, workshop_id)
    )


def _feedback(session: Session, workshop_id: int) -> tuple[ReportFeedback, ...]:
    found = records.feedback_of(session, workshop_id)
    people = records.participant_names(
        session, [f.participant_id for f in found if f.participant_id]
    )
    items = []
    for feedback in found:
        person = people.get(feedback.participant_id or "")
        items.append(
            ReportFeedback(
                text=feedback.text,
                rating=feedback.rating,
                name=person.name if person else "",
                organization=person.organization if person else "",
                created_at=feedback.created_at,
            )
        )
    return tuple(items)
