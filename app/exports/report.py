"""One plain Report object built from the database; every export format renders it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session

from app.domain import boards, selections, workshops
from app.domain import notes as notes_domain
from app.models import Note, Participant, Workshop, utcnow


@dataclass(frozen=True)
class ReportNote:
    text: str
    name: str
    organization: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ReportStage:
    key: str
    label: str
    label_en: str
    kind: str
    notes: tuple[ReportNote, ...]


@dataclass(frozen=True)
class ReportGroup:
    name: str
    stages: tuple[ReportStage, ...]


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

    @property
    def note_count(self) -> int:
        return sum(len(stage.notes) for group in self.groups for stage in group.stages)


def build(session: Session, workshop: Workshop) -> Report:
    stages = workshops.stages_of(session, workshop.id)
    groups = workshops.groups_of(session, workshop.id)
    notes = notes_domain.live_notes(session, workshop_id=workshop.id)
    authors = boards.authors_of(session, notes)
    sections = []
    for group in groups:
        group_stages = []
        for stage in stages:
            if stage.kind == "select":
                # The funnel: what the group picked from the source stage, then what it added.
                picked = selections.report_items(session, stage=stage, group_id=group.id)
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
            items = tuple(
                ReportNote(
                    text=note.text,
                    name=authors[note.participant_id].name if note.participant_id else "",
                    organization=(
                        authors[note.participant_id].organization if note.participant_id else ""
                    ),
                    created_at=note.created_at,
                )
                for note in notes
                if note.group_id == group.id and note.stage_id == stage.id
            )
            group_stages.append(
                ReportStage(
                    key=stage.key,
                    label=stage.label,
                    label_en=stage.label_en,
                    kind=stage.kind,
                    notes=items,
                )
            )
        sections.append(ReportGroup(name=group.name, stages=tuple(group_stages)))
    return Report(
        workshop_id=workshop.id,
        title=workshop.title,
        date=workshop.date,
        start_time=workshop.start_time,
        venue=workshop.venue,
        group_names=tuple(group.name for group in groups),
        participant_count=workshops.participant_count(session, workshop.id),
        stage_labels=tuple((s.key, s.label, s.label_en) for s in stages),
        groups=tuple(sections),
    )


def _picked(text: str, note: Note | None, authors: dict[str, Participant]) -> ReportNote:
    author = authors.get(note.participant_id) if note and note.participant_id else None
    return ReportNote(
        text=text,
        name=author.name if author else "",
        organization=author.organization if author else "",
        created_at=note.created_at if note else utcnow(),
    )
