"""Search across workshops: one function for the search page, its downloads and the notes API.

Who sees what is decided here, not in the routes: admins search every workshop, facilitators
only those they own or co-run. Hidden text never reaches the index (see ``search_index``), and
notes of a stage still hidden until its reveal are left out here as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, TextClause, and_, exists, or_, text
from sqlalchemy.orm import Mapped, aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from app.domain import search_index
from app.errors import Invalid
from app.i18n import N_
from app.models import (
    CoFacilitator,
    SearchEntry,
    Series,
    SeriesMember,
    Stage,
    StageControl,
    User,
    Workshop,
)

MAX_QUERY = 200
MAX_TERMS = 8
MAX_LIMIT = 500
# The trigram index answers terms of three characters or more; shorter ones are scanned.
TRIGRAM = 3

# One WHERE condition: an SQL expression, or (SQLite's full-text match) a literal SQL fragment.
Condition = ColumnElement[bool] | TextClause


@dataclass(frozen=True)
class Filters:
    """What a search asks for; every field is optional and they all narrow together."""

    query: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    format_key: str = ""
    series_id: int | None = None
    stage_key: str = ""
    group: str = ""
    organization: str = ""
    kinds: tuple[str, ...] = ()

    @property
    def terms(self) -> list[str]:
        return self.query.split()[:MAX_TERMS]

    @property
    def empty(self) -> bool:
        return self == Filters(kinds=self.kinds)


@dataclass(frozen=True)
class Hit:
    entry_id: int
    kind: str
    ref: str
    text: str
    workshop_id: int
    workshop_title: str
    workshop_date: dt.date | None
    stage_key: str
    stage_label: str
    stage_label_en: str
    group: str
    organization: str
    created_at: dt.datetime | None
    series: str = ""

    @property
    def label(self) -> str:
        """Duck-types a stage for the templates' ``label`` filter."""
        return self.stage_label


@dataclass(frozen=True)
class Page:
    hits: list[Hit]
    next_cursor: str | None = None
    filters: Filters = field(default_factory=Filters)


def parse_filters(
    *,
    q: str = "",
    date_from: str = "",
    date_to: str = "",
    format_key: str = "",
    series: str = "",
    stage: str = "",
    group: str = "",
    organization: str = "",
    kinds: list[str] | tuple[str, ...] = (),
) -> Filters:
    """Read filters as a form or query string sends them; bad values are a readable 422."""
    query = " ".join((q or "").split())
    if len(query) > MAX_QUERY:
        raise Invalid(N_("A search can be at most %(max)s characters."), max=MAX_QUERY)
    unknown = [kind for kind in kinds if kind not in search_index.KINDS]
    if unknown:
        raise Invalid(N_("Unknown kind of text “%(kind)s”."), kind=unknown[0][:20])
    series_id = None
    if series.strip():
        if not series.strip().isdecimal():
            raise Invalid(N_("Choose a series from the list."))
        series_id = int(series.strip())
    first, last = _date(date_from), _date(date_to)
    if first and last and first > last:
        raise Invalid(N_("The start of the date range is after its end."))
    return Filters(
        query=query,
        date_from=first,
        date_to=last,
        format_key=format_key.strip()[:64],
        series_id=series_id,
        stage_key=stage.strip()[:64],
        group=group.strip()[:40],
        organization=organization.strip()[:100],
        kinds=tuple(dict.fromkeys(kinds)),
    )


def _date(raw: str) -> dt.date | None:
    if not (raw or "").strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid(N_("Enter the date as YYYY-MM-DD.")) from None


def parse_cursor(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdecimal() or len(raw) > 18:
        raise Invalid(N_("This page link is not valid; start the search again."))
    return int(raw)


def visible_workshop_ids(user: User) -> ColumnElement[bool] | None:
    """The condition on ``workshop`` a user's searches carry; None for admins (everything)."""
    if user.role == "admin":
        return None
    co_run = select(CoFacilitator.workshop_id).where(CoFacilitator.user_id == user.id)
    return or_(col(Workshop.owner_id) == user.id, col(Workshop.id).in_(co_run))


def _text_conditions(session: Session, terms: list[str]) -> list[Condition]:
    conditions: list[Condition] = []
    if session.get_bind().dialect.name == "sqlite":
        long_terms = [t for t in terms if len(t) >= TRIGRAM]
        if long_terms:
            phrase = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
            conditions.append(
                text(
                    "search_entry.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :fts)"
                ).bindparams(fts=phrase)
            )
        conditions += [
            col(SearchEntry.text).contains(t, autoescape=True) for t in terms if len(t) < TRIGRAM
        ]
        return conditions
    # PostgreSQL: the trigram index answers LIKE and ILIKE. Text without Latin letters has no
    # case, and LIKE skips ILIKE's per-row lower-casing of multibyte text.
    inner = aliased(SearchEntry)
    indexed = [_like(col(inner.text), t) for t in terms if len(t) >= TRIGRAM]
    if indexed:
        # OFFSET 0 keeps the planner from folding the match into the outer walk by id, so the
        # matching rows come from the trigram index instead of a scan of the whole table.
        conditions.append(col(SearchEntry.id).in_(select(inner.id).where(*indexed).offset(0)))
    # Shorter terms have no trigram: checked row by row, newest first, until a page is full.
    conditions += [_like(col(SearchEntry.text), t) for t in terms if len(t) < TRIGRAM]
    return conditions


def _like(column: Mapped[str], term: str) -> ColumnElement[bool]:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    if any("a" <= ch.lower() <= "z" for ch in term):
        return column.ilike(pattern, escape="\\")
    return column.like(pattern, escape="\\")


def _conditions(session: Session, user: User, filters: Filters) -> list[Condition]:
    conditions = _text_conditions(session, filters.terms) if filters.terms else []
    allowed = visible_workshop_ids(user)
    if allowed is not None:
        # Resolved first: a facilitator runs a handful of workshops, and a short id list lets
        # the database start from them instead of from every entry.
        ids = session.exec(select(Workshop.id).where(allowed)).all()
        conditions.append(col(SearchEntry.workshop_id).in_(ids))
    # A stage hidden until its reveal keeps its text out of every search.
    conditions.append(
        ~exists().where(
            and_(
                col(StageControl.stage_id) == col(SearchEntry.stage_id),
                col(StageControl.hidden).is_(True),
            )
        )
    )
    if filters.date_from:
        conditions.append(col(Workshop.date) >= filters.date_from)
    if filters.date_to:
        conditions.append(col(Workshop.date) <= filters.date_to)
    if filters.format_key:
        conditions.append(col(Workshop.format_key) == filters.format_key)
    if filters.series_id is not None:
        conditions.append(col(SeriesMember.series_id) == filters.series_id)
    if filters.stage_key:
        conditions.append(col(SearchEntry.stage_key) == filters.stage_key)
    if filters.group:
        conditions.append(col(SearchEntry.group_name) == filters.group)
    if filters.organization:
        conditions.append(
            col(SearchEntry.organization).contains(filters.organization, autoescape=True)
        )
    if filters.kinds:
        conditions.append(col(SearchEntry.kind).in_(filters.kinds))
    return conditions


def search(
    session: Session,
    *,
    user: User,
    filters: Filters,
    limit: int = 50,
    after: int | None = None,
    newest_first: bool = True,
) -> Page:
    """One page of hits, newest first (the search page) or oldest first (the notes API)."""
    limit = max(1, min(limit, MAX_LIMIT))
    # Six columns: more than sqlmodel's select() overloads spell out, so its Select is built as
    # select() itself builds it, with the row type stated.
    columns: Select[SearchEntry, str, dt.date | None, str | None, str | None, str | None]
    columns = Select(
        SearchEntry,
        col(Workshop.title),
        col(Workshop.date),
        col(Stage.label),
        col(Stage.label_en),
        col(Series.name),
    )
    statement = (
        columns.join(Workshop, col(Workshop.id) == col(SearchEntry.workshop_id))
        .outerjoin(Stage, col(Stage.id) == col(SearchEntry.stage_id))
        .outerjoin(SeriesMember, col(SeriesMember.workshop_id) == col(SearchEntry.workshop_id))
        .outerjoin(Series, col(Series.id) == col(SeriesMember.series_id))
        .where(*_conditions(session, user, filters))
    )
    if after is not None:
        statement = statement.where(
            col(SearchEntry.id) < after if newest_first else col(SearchEntry.id) > after
        )
    order = col(SearchEntry.id).desc() if newest_first else col(SearchEntry.id)
    trigram = any(len(t) >= TRIGRAM for t in filters.terms)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres and trigram:
        # Its row estimates for LIKE on Japanese text are poor enough that PostgreSQL prefers
        # reading the whole table (100,000 rows: 120 ms) to the trigram index (30 ms).
        session.execute(text("SET LOCAL enable_seqscan = off"))
    rows = session.exec(statement.order_by(order).limit(limit + 1)).all()
    if postgres and trigram:
        session.execute(text("SET LOCAL enable_seqscan = on"))
    hits = [
        Hit(
            entry_id=entry.id,
            kind=entry.kind,
            ref=entry.ref,
            text=entry.text,
            workshop_id=entry.workshop_id,
            workshop_title=title,
            workshop_date=date,
            stage_key=entry.stage_key,
            stage_label=label or "",
            stage_label_en=label_en or "",
            group=entry.group_name,
            organization=entry.organization,
            created_at=entry.created_at,
            series=series or "",
        )
        for entry, title, date, label, label_en, series in rows[:limit]
    ]
    next_cursor = str(hits[-1].entry_id) if len(rows) > limit else None
    return Page(hits=hits, next_cursor=next_cursor, filters=filters)


def iterate(
    session: Session, *, user: User, filters: Filters, cap: int, newest_first: bool = False
) -> Iterator[Hit]:
    """Every hit, page by page, up to ``cap``: for downloads that must not hold all in memory."""
    after: int | None = None
    sent = 0
    while sent < cap:
        page = search(
            session,
            user=user,
            filters=filters,
            limit=min(MAX_LIMIT, cap - sent),
            after=after,
            newest_first=newest_first,
        )
        yield from page.hits
        sent += len(page.hits)
        if page.next_cursor is None:
            return
        after = int(page.next_cursor)


def stage_choices(session: Session, user: User) -> list[tuple[str, str, str]]:
    """(key, label, English label) of the stages in workshops the user sees, one per key."""
    statement = select(Stage.key, Stage.label, Stage.label_en).join(
        Workshop, col(Workshop.id) == col(Stage.workshop_id)
    )
    allowed = visible_workshop_ids(user)
    if allowed is not None:
        statement = statement.where(allowed)
    seen: dict[str, tuple[str, str, str]] = {}
    for key, label, label_en in session.exec(
        statement.order_by(col(Stage.position), col(Stage.id)).limit(2000)
    ).all():
        seen.setdefault(key, (key, label, label_en))
    return list(seen.values())
