"""A versioned JSON archive of everything a workshop holds, and its import as a new workshop.

``dump`` writes it, ``schema`` describes and checks it, ``restore`` brings it back through the
domain's own writers; the names here are what the rest of the app uses.
"""

from __future__ import annotations

from app.exports.archive.dump import dump, render
from app.exports.archive.restore import discard, import_bytes, restore
from app.exports.archive.schema import KIND, MAX_BYTES, VERSION, ArchiveIn, load
from app.live.event_types import WORKSHOP_IMPORTED

__all__ = [
    "KIND",
    "MAX_BYTES",
    "VERSION",
    "WORKSHOP_IMPORTED",
    "ArchiveIn",
    "discard",
    "dump",
    "import_bytes",
    "load",
    "render",
    "restore",
]
