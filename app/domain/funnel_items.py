"""What the report lists under a ``select`` stage: the picks in board order, then the new notes.

Apart from ``selections`` because it reads the board's layout, and the layout reads the votes,
which read the picks: kept in ``selections`` it closed an import cycle.
"""

from __future__ import annotations

from sqlmodel import Session, select

from app.domain import layouts, workshops
from app.domain import notes as notes_domain
from app.models import Note, Selection, Stage


def report_items(session: Session, *, stage: Stage, group_id: int) -> list[tuple[str, Note | None]]:
    """List a select stage for one group: the picks in board order, then the new notes.

    A picked cluster is listed by its title (or its notes' texts when untitled), without a note.
    """
    items: list[tuple[str, Note | None]] = []
    if stage.draws_from:
        source = workshops.stage_by_key(session, stage.workshop_id, stage.draws_from)
        picked = session.exec(
            select(Selection).where(Selection.stage_id == stage.id, Selection.group_id == group_id)
        ).all()
        picked_notes = {row.note_id for row in picked if row.note_id}
        picked_clusters = {row.cluster_id for row in picked if row.cluster_id}
        layout = layouts.group_layout(session, stage=source, group_id=group_id)
        for pile in layout.clusters:
            if pile.cluster.id in picked_clusters:
                title = pile.cluster.title or "、".join(i.note.text for i in pile.items)
                items.append((title, None))
            items.extend((i.note.text, i.note) for i in pile.items if i.note.id in picked_notes)
        items.extend((i.note.text, i.note) for i in layout.loose if i.note.id in picked_notes)
    own = notes_domain.live_notes(
        session, workshop_id=stage.workshop_id, stage_id=stage.id, group_id=group_id
    )
    items.extend((note.text, note) for note in own if _reportable(note))
    return items


def _reportable(note: Note) -> bool:
    return note.moderated_at is None and not note.duplicate_of
