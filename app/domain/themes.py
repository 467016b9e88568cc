"""Themes that recur: similar notes across workshops grouped without a model, the same each run.

Each note becomes a TF-IDF vector of the character 2- and 3-grams of its text, folded the way
duplicate suggestions fold it (``similarity.fold``: width, kana, punctuation). Notes are then
joined by average-linkage agglomerative clustering over the sparse cosine-similarity graph:
the pair of themes with the highest mean similarity merges first, until no pair reaches the
threshold. Average linkage keeps a theme from chaining through one ambiguous note the way single
linkage would.

Why by hand: the vectors, the sparse dot products and the merge loop are about a hundred lines;
scikit-learn's agglomerative clustering needs a dense distance matrix (10,000 notes: 800 MB)
and would add scipy, scikit-learn and joblib to a server that otherwise needs none of them.
Determinism: every loop runs over sorted ids and every tie is broken by the smaller id, so the
same notes give the same themes on every run and every machine.
"""

from __future__ import annotations

import json
import math
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
from sqlmodel import Session, col, select

from app.domain import search, similarity
from app.errors import Forbidden, Invalid, NotFound
from app.i18n import N_
from app.models import (
    Group,
    Note,
    SeriesMember,
    Stage,
    StageControl,
    ThemeAnalysis,
    User,
    Workshop,
    utcnow,
)

THRESHOLD = 0.2
# First pass: a note joins the nearest small theme only when it is this close to its centre.
SEED_THRESHOLD = 0.45
# Grams are hashed (with a sign) into this many dimensions; inner products stay close to the
# exact ones, and the vectors fit numpy arrays whatever the vocabulary.
DIMENSIONS = 1024
MAX_NOTES = 20_000
MAX_TITLE = 200


# ---- The clustering (pure: texts in, groups of indices out) ---------------------------------


def _grams(folded: str) -> list[str]:
    """Character 2- and 3-grams, plus single kanji.

    A kanji carries meaning on its own where kana do not: 「担い手不足」 and 「担い手が足りない」
    share 足 although they share no bigram beyond 担い手.
    """
    found = [folded[i : i + n] for n in (2, 3) for i in range(len(folded) - n + 1)]
    found += [ch for ch in folded if "\u4e00" <= ch <= "\u9fff"]
    return found or ([folded] if folded else [])


def vectors(texts: Sequence[str]) -> np.ndarray:
    """Unit-length TF-IDF vectors (sublinear tf, smoothed idf) of each text's n-grams, hashed."""
    folded = [similarity.fold(t) for t in texts]
    counts = [Counter(_grams(f)) for f in folded]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    total = len(texts)
    grams = list(df)
    index = {g: i for i, g in enumerate(grams)}
    # crc32, not hash(): Python randomises str hashes per process, and themes must not move.
    hashes = np.array([zlib.crc32(g.encode()) for g in grams], dtype=np.int64)
    idf = np.log((1 + total) / (1 + np.array([df[g] for g in grams], dtype=np.float64))) + 1
    signed_idf = np.where((hashes >> 16) & 1, idf, -idf)
    rows: list[int] = []
    ids: list[int] = []
    tfs: list[int] = []
    for row, c in enumerate(counts):
        rows.extend([row] * len(c))
        ids.extend(map(index.__getitem__, c.keys()))
        tfs.extend(c.values())
    gram_ids = np.array(ids, dtype=np.int64)
    weights = (1 + np.log(np.array(tfs, dtype=np.float64))) * signed_idf[gram_ids]
    flat = np.array(rows, dtype=np.int64) * DIMENSIONS + hashes[gram_ids] % DIMENSIONS
    # Normalise while still sparse: the dense matrix is written once and never read whole.
    cells, slot_of = np.unique(flat, return_inverse=True)
    summed = np.bincount(slot_of, weights=weights)
    row_of = cells // DIMENSIONS
    norms = np.sqrt(np.bincount(row_of, weights=summed * summed, minlength=total))
    norms[norms == 0] = 1.0
    out = np.zeros((total, DIMENSIONS), dtype=np.float32)
    out.flat[cells] = summed / norms[row_of]
    return out


def _seed(vecs: np.ndarray) -> list[list[int]]:
    """One pass in note order: join the nearest seed theme, or start one. Tight on purpose."""
    sums = np.zeros((64, vecs.shape[1]), dtype=np.float32)
    centres = np.zeros_like(sums)
    members: list[list[int]] = []
    for i, vec in enumerate(vecs):
        count = len(members)
        if count:
            scores = centres[:count] @ vec
            best = int(np.argmax(scores))
            if scores[best] >= SEED_THRESHOLD:
                sums[best] += vec
                centres[best] = sums[best] / math.sqrt(sums[best] @ sums[best])
                members[best].append(i)
                continue
        if count == len(sums):
            sums = np.vstack([sums, np.zeros_like(sums)])
            centres = np.vstack([centres, np.zeros_like(centres)])
        sums[count] = vec
        centres[count] = vec
        members.append([i])
    return members


def cluster(texts: Sequence[str], *, threshold: float = THRESHOLD) -> list[list[int]]:
    """Group the texts' indices into themes, largest first; identical on every run.

    Average linkage on unit vectors has a closed form: the mean pairwise cosine of two themes
    is the dot product of their vector sums divided by the product of their sizes. So after a
    tight first pass, the themes merge exactly by average linkage using sums alone.
    """
    if not texts:
        return []
    vecs = vectors(texts)
    members = _seed(vecs)
    sums = np.array([vecs[m].sum(axis=0) for m in members])
    sizes = np.array([len(m) for m in members], dtype=np.float64)
    alive = np.ones(len(members), dtype=bool)
    scores = (sums @ sums.T) / np.outer(sizes, sizes)
    np.fill_diagonal(scores, -1.0)
    while True:
        flat = int(np.argmax(scores))
        a, b = divmod(flat, len(members))
        if scores[a, b] < threshold:
            break
        a, b = min(a, b), max(a, b)
        members[a].extend(members[b])
        members[b] = []
        sums[a] += sums[b]
        sizes[a] += sizes[b]
        alive[b] = False
        scores[b, :] = -1.0
        scores[:, b] = -1.0
        row = (sums @ sums[a]) / (sizes * sizes[a])
        row[~alive] = -1.0
        row[a] = -1.0
        scores[a, :] = row
        scores[:, a] = row
    groups = [sorted(m) for m in members if m]
    groups.sort(key=lambda g: (-len(g), g[0]))
    return groups


def central(indices: Sequence[int], vecs: np.ndarray) -> int:
    """The member most similar to the rest of its theme: its text is the proposed title."""
    if len(indices) <= 2:
        return indices[0]
    chosen = vecs[list(indices)]
    closeness = chosen @ chosen.sum(axis=0)
    best = int(np.argmax(closeness))  # the first of equals: the oldest note
    return indices[best]


# ---- Analyses: finding, saving and editing themes ----------------------------------------------


class SavedTheme(TypedDict):
    """One theme as an analysis stores it (``ThemeAnalysis.themes`` is a JSON list of these)."""

    title: str
    notes: list[str]


@dataclass(frozen=True)
class Item:
    note: Note
    workshop: Workshop
    note_group: str

    @property
    def year(self) -> int:
        return (self.workshop.date or self.workshop.created_at.date()).year


@dataclass(frozen=True)
class ThemeView:
    index: int
    title: str
    items: list[Item]

    def per_year(self) -> Counter[int]:
        return Counter(item.year for item in self.items)

    def per_workshop(self) -> Counter[int]:
        return Counter(item.workshop.id for item in self.items)


@dataclass(frozen=True)
class AnalysisView:
    analysis: ThemeAnalysis
    themes: list[ThemeView]
    workshops: list[Workshop]

    @property
    def years(self) -> list[int]:
        return sorted({(w.date or w.created_at.date()).year for w in self.workshops})


def chosen_workshops(
    session: Session,
    *,
    user: User,
    series_id: int | None,
    date_from: object = None,
    date_to: object = None,
) -> list[Workshop]:
    """The workshops of a series or a date range (or all) that this user may see, oldest first."""
    statement = select(Workshop)
    if series_id is not None:
        statement = statement.join(
            SeriesMember, col(SeriesMember.workshop_id) == col(Workshop.id)
        ).where(SeriesMember.series_id == series_id)
    if date_from is not None:
        statement = statement.where(col(Workshop.date) >= date_from)
    if date_to is not None:
        statement = statement.where(col(Workshop.date) <= date_to)
    allowed = search.visible_workshop_ids(user)
    if allowed is not None:
        statement = statement.where(allowed)
    rows = session.exec(statement).all()
    return sorted(rows, key=lambda w: (w.date or w.created_at.date(), w.id))


def _items(session: Session, workshop_ids: Sequence[int], stage_key: str) -> list[Item]:
    """Notes that may be shown: not deleted, moderated, purged, or in a stage still hidden."""
    if not workshop_ids:
        return []
    hidden = select(StageControl.stage_id).where(col(StageControl.hidden).is_(True))
    rows = session.exec(
        select(Note, Workshop, Group.name)
        .join(Stage, col(Stage.id) == col(Note.stage_id))
        .join(Group, col(Group.id) == col(Note.group_id))
        .join(Workshop, col(Workshop.id) == col(Note.workshop_id))
        .where(
            col(Note.workshop_id).in_(workshop_ids),
            Stage.key == stage_key,
            col(Note.deleted_at).is_(None),
            col(Note.moderated_at).is_(None),
            Note.text != "",
            col(Note.stage_id).not_in(hidden),
        )
        .order_by(col(Workshop.date), col(Note.workshop_id), col(Note.created_seq), col(Note.id))
        .limit(MAX_NOTES)
    ).all()
    return [Item(note=n, workshop=w, note_group=group) for n, w, group in rows]


def create_analysis(
    *,
    session: Session,
    user: User,
    name: str,
    stage_key: str,
    workshops: Sequence[Workshop],
) -> ThemeAnalysis:
    """Find the themes of one stage across workshops and save them as a new analysis."""
    name = " ".join((name or "").split())[:MAX_TITLE]
    stage_key = (stage_key or "").strip()[:64]
    if not stage_key:
        raise Invalid(N_("Choose a stage."))
    if not workshops:
        raise Invalid(N_("No workshop you may see matches this choice."))
    items = _items(session, [w.id for w in workshops], stage_key)
    if not items:
        raise Invalid(N_("These workshops have no notes in this stage."))
    texts = [item.note.text for item in items]
    vecs = vectors(texts)
    themes = [
        SavedTheme(
            title=texts[central(group, vecs)][:MAX_TITLE],
            notes=[items[i].note.id for i in group],
        )
        for group in cluster(texts)
    ]
    analysis = ThemeAnalysis(
        name=name or stage_key,
        stage_key=stage_key,
        workshop_ids=json.dumps([w.id for w in workshops]),
        themes=json.dumps(themes, ensure_ascii=False),
        created_by=user.id,
    )
    session.add(analysis)
    session.flush()
    return analysis


def get(session: Session, analysis_id: int, user: User) -> ThemeAnalysis:
    row = session.get(ThemeAnalysis, analysis_id)
    if row is None:
        raise NotFound(N_("No such analysis."))
    if user.role != "admin" and row.created_by != user.id:
        raise Forbidden(N_("This analysis belongs to someone else."))
    return row


def analyses_of(session: Session, user: User) -> Sequence[ThemeAnalysis]:
    statement = select(ThemeAnalysis).order_by(col(ThemeAnalysis.updated_at).desc())
    if user.role != "admin":
        statement = statement.where(ThemeAnalysis.created_by == user.id)
    return session.exec(statement.limit(200)).all()


def _themes(analysis: ThemeAnalysis) -> list[SavedTheme]:
    themes: list[SavedTheme] = json.loads(analysis.themes)
    return themes


def _save(session: Session, analysis: ThemeAnalysis, themes: list[SavedTheme]) -> ThemeAnalysis:
    analysis.themes = json.dumps([t for t in themes if t["notes"]], ensure_ascii=False)
    analysis.updated_at = utcnow()
    session.add(analysis)
    session.flush()
    return analysis


def _theme_index(themes: list[SavedTheme], index: int) -> int:
    if not 0 <= index < len(themes):
        raise NotFound(N_("No such theme."))
    return index


def rename_theme(
    *, session: Session, analysis: ThemeAnalysis, index: int, title: str
) -> ThemeAnalysis:
    themes = _themes(analysis)
    title = " ".join((title or "").split())
    if not title:
        raise Invalid(N_("A theme needs a title."))
    if len(title) > MAX_TITLE:
        raise Invalid(N_("A theme title can be at most %(max)s characters."), max=MAX_TITLE)
    themes[_theme_index(themes, index)]["title"] = title
    return _save(session, analysis, themes)


def merge_themes(
    *, session: Session, analysis: ThemeAnalysis, index: int, into: int
) -> ThemeAnalysis:
    """Move every note of theme ``index`` into theme ``into``; the emptied theme goes."""
    themes = _themes(analysis)
    source, target = _theme_index(themes, index), _theme_index(themes, into)
    if source == target:
        raise Invalid(N_("Choose another theme to merge with."))
    themes[target]["notes"] += themes[source]["notes"]
    themes[source]["notes"] = []
    return _save(session, analysis, themes)


def split_theme(
    *, session: Session, analysis: ThemeAnalysis, index: int, note_ids: Sequence[str]
) -> ThemeAnalysis:
    """Move the chosen notes of a theme out into a new theme of their own, right after it."""
    themes = _themes(analysis)
    theme = themes[_theme_index(themes, index)]
    chosen = [n for n in theme["notes"] if n in set(note_ids)]
    if not chosen or len(chosen) == len(theme["notes"]):
        raise Invalid(N_("Choose some, but not all, of the theme's notes to split off."))
    theme["notes"] = [n for n in theme["notes"] if n not in set(chosen)]
    themes.insert(index + 1, SavedTheme(title=theme["title"], notes=chosen))
    return _save(session, analysis, themes)


def rename_analysis(*, session: Session, analysis: ThemeAnalysis, name: str) -> ThemeAnalysis:
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_TITLE:
        raise Invalid(N_("A name is 1 to %(max)s characters."), max=MAX_TITLE)
    analysis.name = name
    analysis.updated_at = utcnow()
    session.add(analysis)
    session.flush()
    return analysis


def view(session: Session, analysis: ThemeAnalysis) -> AnalysisView:
    """The saved themes with their notes as they are now: purged or hidden notes drop out."""
    workshop_ids = json.loads(analysis.workshop_ids)
    items = {item.note.id: item for item in _items(session, workshop_ids, analysis.stage_key)}
    themes = []
    for index, theme in enumerate(_themes(analysis)):
        shown = [items[n] for n in theme["notes"] if n in items]
        themes.append(ThemeView(index=index, title=theme["title"], items=shown))
    shown_workshops = session.exec(select(Workshop).where(col(Workshop.id).in_(workshop_ids))).all()
    shown_workshops = sorted(shown_workshops, key=lambda w: (w.date or w.created_at.date(), w.id))
    return AnalysisView(analysis=analysis, themes=themes, workshops=list(shown_workshops))
