"""Formats the secretariat makes, kept in the database next to the built-in ones.

A workshop copies its format's stages when it is created (``workshops.create_workshop``), so
editing a stored format changes only workshops created afterwards.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.domain import formats
from app.domain import text as text_domain
from app.domain.formats import Format, StageSpec
from app.errors import Conflict, Invalid, NotFound
from app.i18n import N_
from app.models import StoredFormat, User, utcnow

MAX_NAME = 200
MAX_LABEL = 200
MAX_PROMPT = 500


def stored(session: Session) -> Sequence[StoredFormat]:
    return session.exec(select(StoredFormat).order_by(col(StoredFormat.name))).all()


def as_format(row: StoredFormat) -> Format:
    specs = tuple(StageSpec(**stage) for stage in json.loads(row.stages))
    return Format(key=row.key, name=row.name, name_en=row.name_en, stages=specs)


def all_formats(session: Session) -> list[Format]:
    """Built-in formats first, then the secretariat's own."""
    return [*formats.all_formats(), *(as_format(row) for row in stored(session))]


def get_format(session: Session, key: str) -> Format:
    for fmt in formats.all_formats():
        if fmt.key == key:
            return fmt
    row = session.exec(select(StoredFormat).where(StoredFormat.key == key)).first()
    if row is None:
        raise Invalid(N_("Unknown format “%(key)s”."), key=str(key)[:64])
    return as_format(row)


def get_stored(session: Session, format_id: int) -> StoredFormat:
    row = session.get(StoredFormat, format_id)
    if row is None:
        raise NotFound(N_("No such format."))
    return row


def save_format(
    *,
    session: Session,
    user: User,
    key: str,
    name: str,
    name_en: str = "",
    stages: list[StageSpec],
    format_id: int | None = None,
) -> StoredFormat:
    """Create a format, or replace the name and stages of one; its key never changes."""
    name, name_en = text_domain.plain(name), text_domain.plain(name_en)
    if not name:
        raise Invalid(N_("A format needs a name."))
    if len(name) > MAX_NAME or len(name_en) > MAX_NAME:
        raise Invalid(N_("A format name can be at most %(max)s characters."), max=MAX_NAME)
    stages = [_clean_stage(stage) for stage in stages]
    formats.validate_stages(stages)
    payload = json.dumps([dataclasses.asdict(s) for s in stages], ensure_ascii=False)
    if format_id is None:
        key = key.strip()
        if not formats.KEY_PATTERN.match(key):
            raise Invalid(
                N_("A format key is lowercase letters, digits, “_” or “-” (at most 64)."),
            )
        taken = any(f.key == key for f in formats.all_formats()) or (
            session.exec(select(StoredFormat.id).where(StoredFormat.key == key)).first() is not None
        )
        if taken:
            raise Conflict(N_("The format key “%(key)s” is taken."), key=key)
        row = StoredFormat(key=key, name=name, name_en=name_en, stages=payload, updated_by=user.id)
    else:
        row = get_stored(session, format_id)
        row.name, row.name_en, row.stages = name, name_en, payload
        row.updated_at, row.updated_by = utcnow(), user.id
    session.add(row)
    session.flush()
    return row


def _clean_stage(stage: StageSpec) -> StageSpec:
    cleaned = dataclasses.replace(
        stage,
        key=stage.key.strip(),
        label=text_domain.plain(stage.label),
        label_en=text_domain.plain(stage.label_en),
        prompt=text_domain.plain(stage.prompt),
        prompt_en=text_domain.plain(stage.prompt_en),
        draws_from=(stage.draws_from or "").strip() or None,
    )
    if len(cleaned.label) > MAX_LABEL or len(cleaned.label_en) > MAX_LABEL:
        raise Invalid(N_("A stage label can be at most %(max)s characters."), max=MAX_LABEL)
    if len(cleaned.prompt) > MAX_PROMPT or len(cleaned.prompt_en) > MAX_PROMPT:
        raise Invalid(N_("A stage prompt can be at most %(max)s characters."), max=MAX_PROMPT)
    return cleaned
