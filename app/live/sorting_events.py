"""Which event types the sorting boards redraw: groupings of the types named in ``event_types``.

The names are re-exported so readers may write ``kinds.CLUSTER_CREATED``; each is defined, with
its payload builder, in ``event_types`` only.
"""

from __future__ import annotations

from app.live.event_types import CLUSTER_CREATED as CLUSTER_CREATED
from app.live.event_types import CLUSTER_DISSOLVED as CLUSTER_DISSOLVED
from app.live.event_types import CLUSTER_MERGED as CLUSTER_MERGED
from app.live.event_types import CLUSTER_UPDATED as CLUSTER_UPDATED
from app.live.event_types import NOTE_DUPLICATE as NOTE_DUPLICATE
from app.live.event_types import NOTE_MODERATED as NOTE_MODERATED
from app.live.event_types import NOTE_MOVED as NOTE_MOVED
from app.live.event_types import PARTICIPANT_ROLE as PARTICIPANT_ROLE
from app.live.event_types import PRESENTATION_CHANGED as PRESENTATION_CHANGED
from app.live.event_types import SELECTION_CHANGED as SELECTION_CHANGED
from app.live.event_types import STAGE_REVEALED as STAGE_REVEALED
from app.live.event_types import STAGE_VOTING as STAGE_VOTING
from app.live.event_types import TIMER_CHANGED as TIMER_CHANGED
from app.live.event_types import VOTE_CHANGED as VOTE_CHANGED

COLUMN_EVENTS = frozenset(
    {
        CLUSTER_CREATED,
        CLUSTER_UPDATED,
        CLUSTER_DISSOLVED,
        CLUSTER_MERGED,
        NOTE_MOVED,
        NOTE_DUPLICATE,
        SELECTION_CHANGED,
        VOTE_CHANGED,
        NOTE_MODERATED,
        PARTICIPANT_ROLE,
    }
)
STAGE_EVENTS = frozenset({STAGE_VOTING, STAGE_REVEALED})
ALL = COLUMN_EVENTS | STAGE_EVENTS | {PRESENTATION_CHANGED, TIMER_CHANGED}
