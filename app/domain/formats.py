"""Built-in workshop formats: ordered stage definitions that a workshop copies when created."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.errors import Invalid
from app.i18n import N_

KINDS = ("post", "select", "vote", "qa", "feedback")
POSTABLE_KINDS = ("post", "select")
SCOPES = ("group", "plenary")
# What the format editor shows for each kind and scope: a label and one line on what it does.
KIND_CHOICES: dict[str, tuple[str, str]] = {
    "post": (N_("Write notes"), N_("Each table writes sticky notes, then groups them.")),
    "select": (
        N_("Pick from an earlier stage"),
        N_("Tables pick notes or clusters of the stage in “Draws from” and may add new ones."),
    ),
    "vote": (
        N_("Dot vote"),
        N_("Everyone puts dots on the items of the stage in “Draws from”."),
    ),
    "qa": (
        N_("Questions and answers"),
        N_("Phones send questions; the screen shows them to everyone."),
    ),
    "feedback": (
        N_("Impressions (feedback)"),
        N_("Everyone sends their impressions and a rating, for the report."),
    ),
}
SCOPE_CHOICES: dict[str, tuple[str, str]] = {
    "group": (N_("Each table"), N_("Every table writes in its own column.")),
    "plenary": (N_("Whole room"), N_("One column shared by everyone in the room.")),
}
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_STAGES = 30


@dataclass(frozen=True)
class StageSpec:
    key: str
    label: str
    label_en: str = ""
    prompt: str = ""
    prompt_en: str = ""
    kind: str = "post"
    scope: str = "group"
    per_person_limit: int | None = None
    draws_from: str | None = None


@dataclass(frozen=True)
class Format:
    key: str
    name: str
    name_en: str
    stages: tuple[StageSpec, ...] = field(default_factory=tuple)


OPEN_MEETING_STAGES: tuple[StageSpec, ...] = (
    StageSpec(
        key="strengths",
        label="①他に伝えたいイイトコロ",
        label_en="1. Strengths worth sharing with others",
        prompt="自分の団体の取り組みで、他の団体にも伝えたい良いところを書きましょう。",
        prompt_en="What does your organisation do well that others could learn from?",
    ),
    StageSpec(
        key="shared_issues",
        label="②共通する課題",
        label_en="2. Issues we share",
        prompt="グループの中で共通する課題を書きましょう。",
        prompt_en="Which issues do the organisations at your table have in common?",
    ),
    StageSpec(
        key="hard_problems",
        label="③②の中でも解決が難しそうなこと",
        label_en="3. Of those, what looks hard to solve",
        prompt="②の課題の中から、解決が難しそうなものを選びましょう。",
        prompt_en="Of the shared issues, which look hard to solve?",
        kind="select",
        draws_from="shared_issues",
    ),
)
REVIEW_STAGES: tuple[StageSpec, ...] = (
    StageSpec(
        key="achieved",
        label="達成できたこと",
        label_en="What we achieved",
        prompt="この1年で達成できたことは？",
        prompt_en="What did we achieve?",
    ),
    StageSpec(
        key="insufficient",
        label="不十分だったこと",
        label_en="What was not enough",
        prompt="まだ不十分だったことは？",
        prompt_en="What fell short?",
    ),
    StageSpec(
        key="partners",
        label="連携したい主体・方法",
        label_en="Whom to work with, and how",
        prompt="これから連携したい相手と、その方法は？",
        prompt_en="Whom do we want to work with, and how?",
    ),
    StageSpec(
        key="insights",
        label="気づき",
        label_en="Insights",
        prompt="話し合いの中での気づきは？",
        prompt_en="What did we notice in the discussion?",
    ),
    StageSpec(
        key="collaborate",
        label="連携するとよいこと",
        label_en="What we should do together",
        prompt="連携して取り組むとよいことは？",
        prompt_en="What would work better if we did it together?",
    ),
)

BUILT_IN: tuple[Format, ...] = (
    Format(
        key="open-meeting",
        name="オープンミーティング（イイトコロ・共通課題・難しい課題）",
        name_en="Open meeting (strengths, shared issues, hard problems)",
        stages=(*OPEN_MEETING_STAGES,),
    ),
    Format(
        key="kpt",
        name="KPT（Keep・Problem・Try）",
        name_en="KPT (Keep, Problem, Try)",
        stages=(
            StageSpec(
                key="keep",
                label="Keep（続けたいこと）",
                label_en="Keep",
                prompt="うまくいっていて、続けたいことは？",
                prompt_en="What works well and should continue?",
            ),
            StageSpec(
                key="problem",
                label="Problem（問題点）",
                label_en="Problem",
                prompt="うまくいかなかったこと、困っていることは？",
                prompt_en="What did not go well, or is getting in the way?",
            ),
            StageSpec(
                key="try",
                label="Try（次に試すこと）",
                label_en="Try",
                prompt="次に試してみたいことは？",
                prompt_en="What will we try next?",
            ),
        ),
    ),
    Format(
        key="review",
        name="ふりかえり（達成・不十分・連携）",
        name_en="Review (achieved, not enough, partners)",
        stages=(*REVIEW_STAGES,),
    ),
    Format(
        key="open-meeting-full",
        name="オープンミーティング（全プログラム：①②③・グループ発表・質疑応答・講評・感想）",
        name_en="Open meeting, whole programme (1-3, presentations, Q&A, comments, feedback)",
        stages=(
            *OPEN_MEETING_STAGES,
            StageSpec(
                key="presentations",
                label="グループ発表",
                label_en="Group presentations",
                prompt="各グループが①～③のまとめを全体に発表します。聞いて気づいたことを書きましょう。",
                prompt_en="Each group presents 1-3 to everyone. Note what strikes you.",
                scope="plenary",
            ),
            StageSpec(
                key="qa",
                label="質疑応答",
                label_en="Questions and answers",
                prompt="発表や事例について聞きたいことを送りましょう。",
                prompt_en="Send a question about the presentations or the case.",
                kind="qa",
                scope="plenary",
            ),
            StageSpec(
                key="comments",
                label="講評・コメント",
                label_en="Comments from the advisors",
                prompt="アドバイザーと事例発表者の講評を聞いて、心に残ったことを書きましょう。",
                prompt_en="Listen to the advisors and case presenters; note what stays with you.",
                scope="plenary",
            ),
            StageSpec(
                key="feedback",
                label="感想",
                label_en="Feedback",
                prompt="今日の感想を教えてください。",
                prompt_en="How was today?",
                kind="feedback",
                scope="plenary",
            ),
        ),
    ),
    Format(
        key="review-feedback",
        name="ふりかえり会議（達成・不十分・連携・気づき・感想）",
        name_en="Review meeting with feedback (achieved, not enough, partners, insights)",
        stages=(
            *REVIEW_STAGES,
            StageSpec(
                key="presentations",
                label="グループ発表",
                label_en="Group presentations",
                prompt="各グループが話し合いのまとめを全体に発表します。聞いて気づいたことを書きましょう。",
                prompt_en="Each group presents its summary. Note what strikes you.",
                scope="plenary",
            ),
            StageSpec(
                key="feedback",
                label="感想",
                label_en="Feedback",
                prompt="今日のふりかえり会議の感想を教えてください。",
                prompt_en="How was today's review meeting?",
                kind="feedback",
                scope="plenary",
            ),
        ),
    ),
)


def all_formats() -> tuple[Format, ...]:
    return BUILT_IN


def get_format(key: str) -> Format:
    for fmt in BUILT_IN:
        if fmt.key == key:
            return fmt
    raise Invalid(N_("Unknown format “%(key)s”."), key=key)


def validate_stages(stages: list[StageSpec]) -> list[StageSpec]:
    """Refuse stage lists a workshop could not run: empty, duplicated, or drawing from later."""
    if not stages:
        raise Invalid(N_("A workshop needs at least one stage."))
    if len(stages) > MAX_STAGES:
        raise Invalid(N_("A workshop can have at most %(max)s stages."), max=MAX_STAGES)
    seen: set[str] = set()
    for stage in stages:
        if not KEY_PATTERN.match(stage.key):
            raise Invalid(
                N_("Stage key “%(key)s” must be lowercase letters, digits, “_” or “-”."),
                key=stage.key[:64],
            )
        if stage.key in seen:
            raise Invalid(N_("Stage key “%(key)s” is used twice."), key=stage.key)
        if not stage.label.strip():
            raise Invalid(N_("Stage “%(key)s” needs a label."), key=stage.key)
        if stage.kind not in KINDS:
            raise Invalid(N_("Unknown stage kind “%(kind)s”."), kind=stage.kind[:32])
        if stage.scope not in SCOPES:
            raise Invalid(N_("Unknown stage scope “%(scope)s”."), scope=stage.scope[:32])
        if stage.draws_from is not None and stage.draws_from not in seen:
            raise Invalid(N_("Stage “%(key)s” can only draw from an earlier stage."), key=stage.key)
        if stage.per_person_limit is not None and not 1 <= stage.per_person_limit <= 100:
            raise Invalid(N_("A per-person limit must be between 1 and 100."))
        seen.add(stage.key)
    return stages
