"""The report's header details the secretariat keeps: times, organisations, roles, summaries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.domain import workshops
from app.domain.records.common import (
    MAX_LONG_TEXT,
    MAX_NAME,
    MAX_ORGANIZATION,
    MAX_ORGANIZATIONS,
    MAX_PARTICIPANTS,
    MAX_ROLE,
    MAX_ROLE_NAMES,
    MAX_ROLES,
    MAX_STEP,
    MAX_STEPS,
    TIME_PATTERN,
    clean,
    one_line,
)
from app.errors import Invalid
from app.i18n import N_
from app.live import event_types, events
from app.models import (
    ReportDetails,
    Stage,
    Workshop,
    utcnow,
)


@dataclass(frozen=True)
class Role:
    role: str
    names: tuple[str, ...]
    organization: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"role": self.role, "names": list(self.names), "organization": self.organization}


@dataclass(frozen=True)
class Details:
    """The report details as plain values; lists already decoded."""

    end_time: str | None = None
    organizations: tuple[str, ...] = ()
    participant_count: int | None = None
    roles: tuple[Role, ...] = ()
    purpose: str = ""
    materials: str = ""
    steps: tuple[str, ...] = ()
    theme: str = ""
    case_summary: str = ""
    closing_summary: str = ""
    saved: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "end_time": self.end_time,
            "organizations": list(self.organizations),
            "participant_count": self.participant_count,
            "roles": [role.as_json() for role in self.roles],
            "purpose": self.purpose,
            "materials": self.materials,
            "steps": list(self.steps),
            "theme": self.theme,
            "case_summary": self.case_summary,
            "closing_summary": self.closing_summary,
        }


# --- report details ------------------------------------------------------------------------


def details_of(session: Session, workshop_id: int) -> Details:
    row = session.get(ReportDetails, workshop_id)
    if row is None:
        return Details()
    return Details(
        end_time=row.end_time,
        organizations=tuple(json.loads(row.organizations)),
        participant_count=row.participant_count,
        roles=tuple(
            Role(
                role=item["role"],
                names=tuple(item.get("names", ())),
                organization=item.get("organization", ""),
            )
            for item in json.loads(row.roles)
        ),
        purpose=row.purpose,
        materials=row.materials,
        steps=tuple(json.loads(row.steps)),
        theme=row.theme,
        case_summary=row.case_summary,
        closing_summary=row.closing_summary,
        saved=True,
    )


def update_details(
    *,
    session: Session,
    workshop: Workshop,
    changes: dict[str, Any],
) -> Details:
    """Apply the fields present in ``changes``; title, date, time and venue live on the workshop.

    Only keys present are touched, so a form that shows half the fields never blanks the rest.
    """
    unknown = set(changes) - set(DETAIL_FIELDS) - set(WORKSHOP_FIELDS)
    if unknown:
        raise Invalid(N_("Unknown field “%(field)s”."), field=sorted(unknown)[0][:40])
    cleaned = {key: _clean_detail(key, value) for key, value in changes.items()}
    events.lock_workshop(session, workshop.id)
    row = session.get(ReportDetails, workshop.id) or ReportDetails(workshop_id=workshop.id)
    for key, value in cleaned.items():
        if key in WORKSHOP_FIELDS:
            setattr(workshop, key, value)
        elif key in ("organizations", "steps"):
            setattr(row, key, json.dumps(list(value), ensure_ascii=False))
        elif key == "roles":
            row.roles = json.dumps([r.as_json() for r in value], ensure_ascii=False)
        else:
            setattr(row, key, value)
    row.updated_at = utcnow()
    session.add(workshop)
    session.add(row)
    session.flush()
    events.append(session, workshop_id=workshop.id, event=event_types.report_updated(cleaned))
    return details_of(session, workshop.id)


def steps_from_format(stages: Sequence[Stage]) -> tuple[str, ...]:
    """Suggested 進め方 for a workshop whose secretariat has not written its own yet."""
    return tuple(stage.label for stage in stages)


def counted_participants(session: Session, workshop_id: int) -> int:
    return workshops.participant_count(session, workshop_id)


WORKSHOP_FIELDS = ("title", "date", "start_time", "venue")
DETAIL_FIELDS = (
    "end_time",
    "organizations",
    "participant_count",
    "roles",
    "purpose",
    "materials",
    "steps",
    "theme",
    "case_summary",
    "closing_summary",
)


def _clean_detail(key: str, value: Any) -> Any:
    if key == "title":
        title = one_line(value, field_name="title", limit=workshops.MAX_TITLE, required=True)
        return title
    if key == "venue":
        return one_line(value, field_name="venue", limit=200) or None
    if key in ("start_time", "end_time"):
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not TIME_PATTERN.match(value):
            raise Invalid(N_("Enter the time as HH:MM."))
        return value
    if key == "date":
        return value
    if key == "participant_count":
        if value in (None, ""):
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(N_("The participant count must be a whole number."))
        if not 0 <= value <= MAX_PARTICIPANTS:
            raise Invalid(
                N_("The participant count must be between 0 and %(max)s."), max=MAX_PARTICIPANTS
            )
        return value
    if key == "organizations":
        items = [
            one_line(item, field_name="organization", limit=MAX_ORGANIZATION)
            for item in _as_list(value)
        ]
        items = [item for item in items if item]
        if len(items) > MAX_ORGANIZATIONS:
            raise Invalid(N_("At most %(max)s organisations can be listed."), max=MAX_ORGANIZATIONS)
        return tuple(items)
    if key == "steps":
        steps = [clean(item, field_name="step", limit=MAX_STEP) for item in _as_list(value)]
        steps = [step for step in steps if step]
        if len(steps) > MAX_STEPS:
            raise Invalid(N_("At most %(max)s steps can be listed."), max=MAX_STEPS)
        return tuple(steps)
    if key == "roles":
        return tuple(_clean_role(item) for item in _as_list(value, limit=MAX_ROLES))
    return clean(value, field_name=key, limit=MAX_LONG_TEXT[key])


def _as_list(value: Any, limit: int = 1000) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise Invalid(N_("Expected a list."))
    if len(value) > limit:
        raise Invalid(N_("At most %(max)s entries can be listed."), max=limit)
    return list(value)


def _clean_role(item: Any) -> Role:
    if isinstance(item, Role):
        item = item.as_json()
    if not isinstance(item, dict):
        raise Invalid(N_("Each role needs a role and names."))
    role = one_line(item.get("role"), field_name="role", limit=MAX_ROLE, required=True)
    raw_names = item.get("names")
    if raw_names is None:
        raw_names = [item.get("name", "")]
    names = [
        one_line(name, field_name="name", limit=MAX_NAME)
        for name in _as_list(raw_names, limit=MAX_ROLE_NAMES)
    ]
    return Role(
        role=role,
        names=tuple(name for name in names if name),
        organization=one_line(
            item.get("organization"), field_name="organization", limit=MAX_ORGANIZATION
        ),
    )
