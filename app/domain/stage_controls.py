"""The facilitator's runtime settings of a stage (reveal, dots, timer), one row per stage.

Kept apart from ``Stage`` (the copy of the format) so that running a workshop never rewrites its
definition; a stage without a row has the defaults below.
"""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import Stage, StageControl


def control_of(session: Session, stage: Stage) -> StageControl:
    """The stage's row, created (not yet flushed) with defaults when missing."""
    control = session.get(StageControl, stage.id)
    if control is None:
        control = StageControl(stage_id=stage.id, workshop_id=stage.workshop_id)
        session.add(control)
    return control


def controls_of(session: Session, workshop_id: int) -> dict[int, StageControl]:
    rows = session.exec(select(StageControl).where(StageControl.workshop_id == workshop_id)).all()
    return {row.stage_id: row for row in rows}


def peek(session: Session, stage: Stage) -> StageControl:
    """The stage's settings for reading; never adds a row."""
    return session.get(StageControl, stage.id) or StageControl(
        stage_id=stage.id, workshop_id=stage.workshop_id
    )


SORTING_NOT_STARTED = "not_started"
SORTING_OPEN = "open"
SORTING_DONE = "done"


def sorting_state(stage: Stage, control: StageControl | None) -> str:
    """``not_started`` before the stage was first opened, then ``open`` until marked ``done``."""
    if stage.status == "pending":
        return SORTING_NOT_STARTED
    if control is not None and control.sorting_done:
        return SORTING_DONE
    return SORTING_OPEN
