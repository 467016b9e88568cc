"""The archive's shape, and every check an archive passes before anything is written.

Live sorting travels in version 1: ``clusters``, ``selections``, ``votes``, ``stage_controls``
and ``presentation``, and each note's ``cluster``, ``position``, ``duplicate_of`` and
``moderated_at``. These keys are optional on import, so an archive written before sorting existed
still reads as a workshop with nothing sorted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from app.domain import (
    clusters,
    formats,
    notes,
    participants,
    records,
    votes,
    workshops,
)
from app.domain import text as text_domain
from app.errors import Invalid
from app.i18n import N_

KIND = "fusen-workshop-archive"
VERSION = 1
MAX_BYTES = 20 * 1024 * 1024
MAX_ITEMS = 50_000
POSITION_KEY = r"^[0-9A-Za-z]*$"


# Fields that keep their line breaks; every other text of the archive is one line.
MULTILINE_FIELDS = frozenset({"text", "remark"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _clean(cls, value: Any, info: ValidationInfo) -> Any:
        """Imported text is cleaned by the function typed text goes through (no NUL, no bidi
        overrides, NFC): an archive is just another way of typing."""
        multiline = info.field_name in MULTILINE_FIELDS
        if isinstance(value, str):
            return text_domain.plain(value, multiline=multiline)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return [text_domain.plain(item, multiline=multiline) for item in value]
        return value


class WorkshopIn(_Strict):
    title: str = Field(min_length=1, max_length=workshops.MAX_TITLE)
    format_key: str | None = Field(default=None, max_length=64)
    date: dt.date | None = None
    start_time: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    venue: str | None = Field(default=None, max_length=200)
    status: Literal["draft", "live", "closed"] = "closed"
    current_stage: str | None = Field(default=None, max_length=64)


class StageIn(_Strict):
    key: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=200)
    label_en: str = Field(default="", max_length=200)
    prompt: str = Field(default="", max_length=500)
    prompt_en: str = Field(default="", max_length=500)
    kind: str = Field(default="post", max_length=16)
    scope: str = Field(default="group", max_length=16)
    per_person_limit: int | None = Field(default=None, ge=1, le=100)
    draws_from: str | None = Field(default=None, max_length=64)
    status: Literal["pending", "open", "locked"] = "locked"


class ParticipantIn(_Strict):
    ref: str = Field(min_length=1, max_length=40)
    group: str = Field(min_length=1, max_length=workshops.MAX_GROUP_NAME)
    name: str = Field(default="", max_length=participants.MAX_NAME)
    organization: str = Field(default="", max_length=participants.MAX_ORGANIZATION)
    role: str = Field(default="member", max_length=16)
    joined_at: dt.datetime | None = None


class NoteIn(_Strict):
    ref: str = Field(min_length=1, max_length=40)
    stage: str = Field(min_length=1, max_length=64)
    group: str = Field(min_length=1, max_length=workshops.MAX_GROUP_NAME)
    participant: str | None = Field(default=None, max_length=40)
    by_staff: bool = False
    text: str = Field(min_length=1, max_length=notes.MAX_TEXT)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    deleted_at: dt.datetime | None = None
    cluster: str | None = Field(default=None, max_length=40)
    position: str = Field(default="", max_length=200, pattern=POSITION_KEY)
    duplicate_of: str | None = Field(default=None, max_length=40)
    moderated_at: dt.datetime | None = None


class ClusterIn(_Strict):
    ref: str = Field(min_length=1, max_length=40)
    stage: str = Field(min_length=1, max_length=64)
    group: str = Field(min_length=1, max_length=workshops.MAX_GROUP_NAME)
    title: str = Field(default="", max_length=clusters.MAX_TITLE)
    position: str = Field(default="", max_length=200, pattern=POSITION_KEY)


class SelectionIn(_Strict):
    stage: str = Field(min_length=1, max_length=64)
    group: str = Field(min_length=1, max_length=workshops.MAX_GROUP_NAME)
    note: str | None = Field(default=None, max_length=40)
    cluster: str | None = Field(default=None, max_length=40)


class VoteIn(_Strict):
    stage: str = Field(min_length=1, max_length=64)
    participant: str = Field(min_length=1, max_length=40)
    note: str | None = Field(default=None, max_length=40)
    cluster: str | None = Field(default=None, max_length=40)
    dots: int = Field(ge=1, le=votes.MAX_DOTS)


class StageControlIn(_Strict):
    stage: str = Field(min_length=1, max_length=64)
    hidden: bool = False
    dots_per_person: int = Field(default=3, ge=1, le=votes.MAX_DOTS)
    dots_per_item: int = Field(default=3, ge=1, le=votes.MAX_DOTS)
    timer_locks: bool = False
    sorting_done: bool = False


class PresentationIn(_Strict):
    group: str | None = Field(default=None, max_length=workshops.MAX_GROUP_NAME)
    order: list[str] = Field(default_factory=list, max_length=workshops.MAX_GROUPS)


class AnswerIn(_Strict):
    organization: str = Field(default="", max_length=records.MAX_ORGANIZATION)
    text: str = Field(min_length=1, max_length=records.MAX_ANSWER)
    answered_at: dt.datetime | None = None


class QuestionIn(_Strict):
    text: str = Field(min_length=1, max_length=records.MAX_QUESTION)
    organization: str = Field(default="", max_length=records.MAX_ORGANIZATION)
    participant: str | None = Field(default=None, max_length=40)
    remark: str = Field(default="", max_length=records.MAX_REMARK)
    asked_at: dt.datetime | None = None
    answers: list[AnswerIn] = Field(default_factory=list, max_length=200)


class CommentIn(_Strict):
    role: str = Field(max_length=16)
    name: str = Field(min_length=1, max_length=records.MAX_NAME)
    organization: str = Field(default="", max_length=records.MAX_ORGANIZATION)
    text: str = Field(min_length=1, max_length=records.MAX_COMMENT)
    created_at: dt.datetime | None = None


class FeedbackIn(_Strict):
    participant: str | None = Field(default=None, max_length=40)
    text: str = Field(default="", max_length=records.MAX_FEEDBACK)
    rating: int | None = Field(default=None, ge=1, le=5)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class ArchiveIn(_Strict):
    kind: Literal["fusen-workshop-archive"]
    version: int
    workshop: WorkshopIn
    details: dict[str, Any] | None = None
    stages: list[StageIn] = Field(min_length=1, max_length=formats.MAX_STAGES)
    groups: list[str] = Field(min_length=1, max_length=workshops.MAX_GROUPS)
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    notes: list[NoteIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    questions: list[QuestionIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    comments: list[CommentIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    feedback: list[FeedbackIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    clusters: list[ClusterIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    selections: list[SelectionIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    votes: list[VoteIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    stage_controls: list[StageControlIn] = Field(
        default_factory=list, max_length=formats.MAX_STAGES
    )
    presentation: PresentationIn | None = None


def load(raw: bytes) -> ArchiveIn:
    """Parse and check an archive; refuse it with a reason before anything is written."""
    if len(raw) > MAX_BYTES:
        raise Invalid(
            N_("The archive is larger than %(max)s MB and was not imported."),
            max=MAX_BYTES // (1024 * 1024),
        )
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Invalid(N_("This file is not a Fusen archive: it is not valid JSON.")) from None
    except RecursionError:
        raise Invalid(N_("This file is not a Fusen archive: it is nested too deeply.")) from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise Invalid(N_("This file is not a Fusen archive."))
    version = data.get("version")
    if version != VERSION:
        raise Invalid(
            N_("This archive has version %(version)s; this Fusen reads version %(supported)s."),
            version=str(version)[:20],
            supported=VERSION,
        )
    try:
        return ArchiveIn.model_validate(data)
    except RecursionError:
        raise Invalid(N_("This file is not a Fusen archive: it is nested too deeply.")) from None
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error.get("loc", ()))
        raise Invalid(
            N_("The archive is damaged at “%(where)s”: %(problem)s"),
            where=where[:100],
            problem=str(error.get("msg", ""))[:200],
        ) from None


def check_references(archive: ArchiveIn) -> None:
    """Refuse an archive whose notes, questions or feedback name what it does not hold, before
    anything is written (a chunked import has committed chunks by the time it meets them)."""
    stage_keys = {stage.key for stage in archive.stages}
    group_names = set(archive.groups)
    refs: set[str] = set()
    for person in archive.participants:
        if person.ref in refs:
            raise Invalid(N_("The archive names participant “%(ref)s” twice."), ref=person.ref)
        refs.add(person.ref)
        if person.group not in group_names:
            raise Invalid(N_("This workshop has no group “%(group)s”."), group=person.group[:40])
    for item in archive.notes:
        if item.stage not in stage_keys:
            raise Invalid(N_("This workshop has no stage “%(key)s”."), key=item.stage)
        if item.group not in group_names:
            raise Invalid(N_("This workshop has no group “%(group)s”."), group=item.group[:40])
    named = [n.participant for n in archive.notes] + [q.participant for q in archive.questions]
    named += [f.participant for f in archive.feedback]
    for ref in named:
        if ref is not None and ref not in refs:
            raise Invalid(
                N_("The archive refers to an unknown participant “%(ref)s”."), ref=ref[:40]
            )
    for comment in archive.comments:
        if comment.role not in records.COMMENT_ROLES:
            raise Invalid(
                N_("A comment's role must be one of: %(roles)s."),
                roles=", ".join(records.COMMENT_ROLES),
            )


def check_sorting(archive: ArchiveIn) -> None:
    """Refuse sorting state whose references do not resolve, before anything is written.

    The rules are the ones the sorting screens keep: a note sits only in a cluster of its own
    stage and group, a duplicate points at a root note beside it, and picks and dots land only
    on items of the stage a select or vote stage draws from.
    """
    stages = {s.key: s for s in archive.stages}
    groups = set(archive.groups)
    people = {p.ref for p in archive.participants}
    for stage_key in {c.stage for c in archive.clusters} | {
        c.stage for c in archive.stage_controls
    }:
        _stage(stages, stage_key)
    for group in {c.group for c in archive.clusters}:
        group_named(dict.fromkeys(groups), group)
    piles: dict[str, ClusterIn] = {}
    for pile in archive.clusters:
        if pile.ref in piles:
            raise Invalid(N_("The archive names cluster “%(ref)s” twice."), ref=pile.ref)
        piles[pile.ref] = pile
    by_ref: dict[str, NoteIn] = {}
    twice: set[str] = set()
    for item in archive.notes:
        if item.ref in by_ref:
            twice.add(item.ref)
        by_ref[item.ref] = item
    # Older archives may repeat a note reference nobody points at; only a pointer needs it unique.
    pointed = (
        {n.duplicate_of for n in archive.notes}
        | {pick.note for pick in archive.selections}
        | {vote.note for vote in archive.votes}
    )
    for ref in sorted(twice & {ref for ref in pointed if ref is not None}):
        raise Invalid(N_("The archive names note “%(ref)s” twice."), ref=ref)
    for item in archive.notes:
        if item.cluster is not None:
            pile = _ref(
                piles, item.cluster, N_("The archive refers to an unknown cluster “%(ref)s”.")
            )
            if (pile.stage, pile.group) != (item.stage, item.group):
                raise Invalid(
                    N_("Note “%(note)s” sits in cluster “%(cluster)s” of another stage or group."),
                    note=item.ref,
                    cluster=pile.ref,
                )
        if item.duplicate_of is not None:
            root = _ref(
                by_ref, item.duplicate_of, N_("The archive refers to an unknown note “%(ref)s”.")
            )
            if (
                root.ref == item.ref
                or root.duplicate_of is not None
                or (root.stage, root.group) != (item.stage, item.group)
            ):
                raise Invalid(
                    N_("Note “%(note)s” cannot be a duplicate of note “%(of)s”."),
                    note=item.ref,
                    of=root.ref,
                )
    seen: set[tuple[str, ...]] = set()
    for pick in archive.selections:
        origin = _item_of(stages, piles, by_ref, stage_key=pick.stage, kind="select", item=pick)
        if origin.group != pick.group:
            raise Invalid(
                N_("The archive picks “%(ref)s” for another group than its own."),
                ref=pick.note or pick.cluster or "",
            )
        key: tuple[str, ...] = ("pick", pick.stage, pick.note or "", pick.cluster or "")
        if key in seen:
            raise Invalid(N_("The archive holds the same pick or vote twice."))
        seen.add(key)
    for vote in archive.votes:
        _item_of(stages, piles, by_ref, stage_key=vote.stage, kind="vote", item=vote)
        if vote.participant not in people:
            raise Invalid(
                N_("The archive refers to an unknown participant “%(ref)s”."),
                ref=vote.participant[:40],
            )
        key = ("vote", vote.stage, vote.participant, vote.note or "", vote.cluster or "")
        if key in seen:
            raise Invalid(N_("The archive holds the same pick or vote twice."))
        seen.add(key)
    controlled: set[str] = set()
    for control in archive.stage_controls:
        if control.stage in controlled:
            raise Invalid(N_("The archive sets stage “%(key)s” twice."), key=control.stage)
        controlled.add(control.stage)
        if control.dots_per_item > control.dots_per_person:
            raise Invalid(N_("Dots on one item cannot exceed the dots each person has."))
    if archive.presentation is not None:
        shown = archive.presentation
        for name in [*shown.order, *([shown.group] if shown.group is not None else [])]:
            group_named(dict.fromkeys(groups), name)
        if len(set(shown.order)) != len(shown.order):
            raise Invalid(N_("Each group can appear only once in the order."))


def _item_of(
    stages: dict[str, StageIn],
    piles: dict[str, ClusterIn],
    by_ref: dict[str, NoteIn],
    *,
    stage_key: str,
    kind: str,
    item: SelectionIn | VoteIn,
) -> ClusterIn | NoteIn:
    """The note or cluster a pick or a vote names, checked against the stage it draws from."""
    stage = _stage(stages, stage_key)
    if stage.kind != kind or not stage.draws_from:
        raise Invalid(
            N_("Stage “%(key)s” of the archive cannot hold picks or dots of this kind."),
            key=stage.key,
        )
    if (item.note is None) == (item.cluster is None):
        raise Invalid(N_("Choose either a note or a cluster."))
    origin: ClusterIn | NoteIn
    if item.note is not None:
        origin = _ref(by_ref, item.note, N_("The archive refers to an unknown note “%(ref)s”."))
    else:
        origin = _ref(
            piles, item.cluster or "", N_("The archive refers to an unknown cluster “%(ref)s”.")
        )
    if origin.stage != stage.draws_from:
        raise Invalid(
            N_("“%(ref)s” is not an item of stage “%(stage)s”."),
            ref=origin.ref,
            stage=stage.draws_from,
        )
    return origin


def _stage(stages: dict[str, StageIn], key: str) -> StageIn:
    if key not in stages:
        raise Invalid(N_("This workshop has no stage “%(key)s”."), key=key[:64])
    return stages[key]


_Row = TypeVar("_Row")


def _ref(known: Mapping[str, _Row], ref: str, message: str) -> _Row:
    if ref not in known:
        raise Invalid(message, ref=ref[:40])
    return known[ref]


def group_named(groups: Mapping[str, _Row], name: str) -> _Row:
    if name not in groups:
        raise Invalid(N_("This workshop has no group “%(group)s”."), group=name[:40])
    return groups[name]
