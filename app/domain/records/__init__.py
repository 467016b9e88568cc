"""What the session leaves besides notes: Q&A, comments by role, feedback, and report details.

Each write locks the workshop and appends its event like a note does, so boards and API clients
hear about a new question or comment the same way they hear about a note. The four records live
in their own modules; the names here let callers keep writing ``records.ask_question(...)``.
"""

from __future__ import annotations

from app.domain.records.comments import (
    add_comment,
    comment_json,
    comments_of,
    delete_comment,
    edit_comment,
)
from app.domain.records.common import (
    COMMENT_ROLES,
    FIELD_LABELS,
    MAX_ANSWER,
    MAX_COMMENT,
    MAX_FEEDBACK,
    MAX_NAME,
    MAX_ORGANIZATION,
    MAX_QUESTION,
    MAX_REMARK,
    MAX_ROLES,
    ROLE_LABELS,
    STAFF_ONLY_EVENTS,
    can_record,
    clean,
    open_stage_of_kind,
    participant_names,
    purge_personal_data,
    role_label,
)
from app.domain.records.feedback import feedback_by, feedback_of, give_feedback
from app.domain.records.qa import (
    QuestionWithAnswers,
    answer_question,
    answers_of,
    ask_question,
    delete_answer,
    edit_answer,
    question_json,
    questions_of,
    set_remark,
)
from app.domain.records.report_details import (
    Details,
    Role,
    counted_participants,
    details_of,
    steps_from_format,
    update_details,
)
from app.live.event_types import FEEDBACK_GIVEN as FEEDBACK_GIVEN
from app.live.event_types import QUESTION_ANSWERED as QUESTION_ANSWERED
from app.live.event_types import QUESTION_ASKED as QUESTION_ASKED
from app.live.event_types import QUESTION_UPDATED as QUESTION_UPDATED

__all__ = [
    "COMMENT_ROLES",
    "FEEDBACK_GIVEN",
    "FIELD_LABELS",
    "MAX_ANSWER",
    "MAX_COMMENT",
    "MAX_FEEDBACK",
    "MAX_NAME",
    "MAX_ORGANIZATION",
    "MAX_QUESTION",
    "MAX_REMARK",
    "MAX_ROLES",
    "QUESTION_ANSWERED",
    "QUESTION_ASKED",
    "QUESTION_UPDATED",
    "ROLE_LABELS",
    "STAFF_ONLY_EVENTS",
    "Details",
    "QuestionWithAnswers",
    "Role",
    "add_comment",
    "answer_question",
    "answers_of",
    "ask_question",
    "can_record",
    "clean",
    "comment_json",
    "comments_of",
    "counted_participants",
    "delete_answer",
    "delete_comment",
    "details_of",
    "edit_answer",
    "edit_comment",
    "feedback_by",
    "feedback_of",
    "give_feedback",
    "open_stage_of_kind",
    "participant_names",
    "purge_personal_data",
    "question_json",
    "questions_of",
    "role_label",
    "set_remark",
    "steps_from_format",
    "update_details",
]
