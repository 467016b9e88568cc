"""Series of workshops held again and again, their year-on-year figures, and the next one.

Counts come from rows that a retention purge keeps (participants, notes), so a series still
shows how many took part and wrote years after the text itself was purged.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from app.domain import formats, funnel_items, records, search, users, workshops
from app.domain import notes as notes_domain
from app.domain import text as text_domain
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.i18n import N_
from app.models import (
    Group,
    Note,
    Participant,
    ReportDetails,
    Series,
    SeriesMember,
    Stage,
    User,
    Workshop,
)

MAX_NAME = 200


def all_series(session: Session) -> Sequence[Series]:
    return session.exec(select(Series).order_by(col(Series.name))).all()


def get(session: Session, series_id: int) -> Series:
    row = session.get(Series, series_id)
    if row is None:
        raise NotFound(N_("No such series."))
    return row


def create_series(*, session: Session, name: str, user: User) -> Series:
    name = text_domain.plain(name)
    if not name:
        raise Invalid(N_("A series needs a name."))
    if len(name) > MAX_NAME:
        raise Invalid(N_("The name can be at most %(max)s characters."), max=MAX_NAME)
    if session.exec(select(Series.id).where(Series.name == name)).first() is not None:
        raise Conflict(N_("A series called “%(name)s” already exists."), name=name)
    row = Series(name=name, created_by=user.id)
    session.add(row)
    session.flush()
    return row


def series_of(session: Session, workshop_id: int) -> Series | None:
    member = session.get(SeriesMember, workshop_id)
    return session.get(Series, member.series_id) if member else None


def set_series(*, session: Session, workshop: Workshop, series: Series | None) -> None:
    """Put a workshop into a series (moving it out of any other), or out of all of them."""
    member = session.get(SeriesMember, workshop.id)
    if series is None:
        if member is not None:
            session.delete(member)
    elif member is None:
        session.add(SeriesMember(workshop_id=workshop.id, series_id=series.id))
    else:
        member.series_id = series.id
        session.add(member)
    session.flush()


def workshops_in(session: Session, series: Series, user: User) -> list[Workshop]:
    """The series' workshops this user may see, oldest first."""
    statement = (
        select(Workshop)
        .join(SeriesMember, col(SeriesMember.workshop_id) == col(Workshop.id))
        .where(SeriesMember.series_id == series.id)
    )
    allowed = search.visible_workshop_ids(user)
    if allowed is not None:
        statement = statement.where(allowed)
    rows = session.exec(statement).all()
    return sorted(rows, key=lambda w: (w.date is None, w.date or w.created_at.date(), w.id))


@dataclass(frozen=True)
class WorkshopRow:
    workshop: Workshop
    participants: int
    organizations: tuple[str, ...]
    notes: dict[str, int]

    @property
    def year(self) -> int:
        return (self.workshop.date or self.workshop.created_at.date()).year


@dataclass(frozen=True)
class Overview:
    series: Series
    rows: list[WorkshopRow]
    # (key, label, English label) of every stage that appears, in the order of the workshops.
    stages: list[tuple[str, str, str]]

    @property
    def years(self) -> list[int]:
        return sorted({row.year for row in self.rows})

    def notes_per_year(self) -> dict[int, dict[str, int]]:
        totals: dict[int, Counter[str]] = defaultdict(Counter)
        for row in self.rows:
            totals[row.year].update(row.notes)
        return {year: dict(totals[year]) for year in self.years}

    def organizations_per_year(self) -> dict[int, set[str]]:
        found: dict[int, set[str]] = defaultdict(set)
        for row in self.rows:
            found[row.year].update(row.organizations)
        return {year: found[year] for year in self.years}

    def all_organizations(self) -> list[str]:
        counted = Counter(org for orgs in self.organizations_per_year().values() for org in orgs)
        return sorted(counted, key=lambda org: (-counted[org], org))


def overview(session: Session, series: Series, user: User) -> Overview:
    shown = workshops_in(session, series, user)
    ids = [w.id for w in shown]
    stages: dict[str, tuple[str, str, str]] = {}
    notes: dict[int, Counter[str]] = defaultdict(Counter)
    people: dict[int, int] = {}
    orgs: dict[int, set[str]] = defaultdict(set)
    if ids:
        for stage in session.exec(
            select(Stage)
            .where(col(Stage.workshop_id).in_(ids), col(Stage.kind).in_(("post", "select")))
            .order_by(col(Stage.position))
        ).all():
            stages.setdefault(stage.key, (stage.key, stage.label, stage.label_en))
        for workshop_id, key, count in session.exec(
            select(Note.workshop_id, Stage.key, func.count())
            .join(Stage, col(Stage.id) == col(Note.stage_id))
            .where(col(Note.workshop_id).in_(ids), col(Note.deleted_at).is_(None))
            .group_by(col(Note.workshop_id), col(Stage.key))
        ).all():
            notes[workshop_id][key] = count
        people = dict(
            session.exec(
                select(Participant.workshop_id, func.count())
                .where(col(Participant.workshop_id).in_(ids))
                .group_by(col(Participant.workshop_id))
            ).all()
        )
        for workshop_id, organization in session.exec(
            select(Participant.workshop_id, Participant.organization)
            .where(col(Participant.workshop_id).in_(ids), Participant.organization != "")
            .distinct()
        ).all():
            orgs[workshop_id].add(organization)
        for row in session.exec(
            select(ReportDetails).where(col(ReportDetails.workshop_id).in_(ids))
        ).all():
            orgs[row.workshop_id].update(o for o in json.loads(row.organizations) if o)
            if row.participant_count and not people.get(row.workshop_id):
                people[row.workshop_id] = row.participant_count
    rows = [
        WorkshopRow(
            workshop=w,
            participants=people.get(w.id, 0),
            organizations=tuple(sorted(orgs[w.id])),
            notes=dict(notes[w.id]),
        )
        for w in shown
    ]
    return Overview(series=series, rows=rows, stages=list(stages.values()))


def next_workshop(
    *,
    session: Session,
    source: Workshop,
    user: User,
    title: str,
    date: dt.date | None = None,
    carry_picks: bool = False,
) -> Workshop:
    """Create the next workshop of a series like ``source``: format, groups, roles and venue.

    With ``carry_picks`` each group's ③ picks of last time become notes of the same group in
    the new workshop's select stage, written by the facilitator: the list to start from.
    """
    if not users.can_run(session, user, source):
        raise Forbidden(N_("You do not run this workshop."))
    source_stages = workshops.stages_of(session, source.id)
    specs = [
        formats.StageSpec(
            key=s.key,
            label=s.label,
            label_en=s.label_en,
            prompt=s.prompt,
            prompt_en=s.prompt_en,
            kind=s.kind,
            scope=s.scope,
            per_person_limit=s.per_person_limit,
            draws_from=s.draws_from,
        )
        for s in source_stages
    ]
    groups = workshops.groups_of(session, source.id)
    created = workshops.create_workshop(
        session=session,
        title=title,
        stages=specs,
        groups=[g.name for g in groups],
        format_key=source.format_key,
        date=date,
        start_time=source.start_time,
        venue=source.venue,
        owner_id=user.id,
    )
    member = session.get(SeriesMember, source.id)
    if member is not None:
        session.add(SeriesMember(workshop_id=created.id, series_id=member.series_id))
    details = records.details_of(session, source.id)
    if details.roles:
        records.update_details(
            session=session,
            workshop=created,
            changes={"roles": [role.as_json() for role in details.roles]},
        )
    if carry_picks:
        _carry_picks(session, source, created, source_stages, user)
    session.flush()
    return created


def last_picks(session: Session, workshop: Workshop) -> dict[str, list[str]]:
    """Each group's picked items of every select stage, as the report lists them."""
    picks: dict[str, list[str]] = {}
    for stage in workshops.stages_of(session, workshop.id):
        if stage.kind != "select":
            continue
        for group in workshops.groups_of(session, workshop.id):
            items = [
                text
                for text, note in funnel_items.report_items(session, stage=stage, group_id=group.id)
                if text and (note is None or note.stage_id != stage.id)
            ]
            if items:
                picks.setdefault(f"{stage.key}\t{group.name}", []).extend(items)
    return picks


def _carry_picks(
    session: Session,
    source: Workshop,
    created: Workshop,
    source_stages: Sequence[Stage],
    user: User,
) -> None:
    new_groups = {
        g.name: g for g in session.exec(select(Group).where(Group.workshop_id == created.id))
    }
    new_stages = {s.key: s for s in workshops.stages_of(session, created.id)}
    drafts: list[notes_domain.Draft] = []
    for key, texts in last_picks(session, source).items():
        stage_key, group_name = key.split("\t", 1)
        stage, group = new_stages.get(stage_key), new_groups.get(group_name)
        if stage is None or group is None:
            continue
        drafts.extend(
            notes_domain.Draft(
                stage=stage,
                group=group,
                text=text[: notes_domain.MAX_TEXT],
                author_user_id=user.id,
            )
            for text in texts
        )
    notes_domain.write_batch(session, workshop_id=created.id, drafts=drafts)
