"""Generated workshop notes for the search and theme benchmarks: varied, Japanese, reproducible."""

from __future__ import annotations

import random

SUBJECTS = [
    "担い手",
    "ボランティア",
    "民生委員",
    "地域の役員",
    "若い世代",
    "自治会",
    "見守り活動",
    "サロン",
    "子ども食堂",
    "移動支援",
    "買い物支援",
    "災害時の支援",
    "生活支援コーディネーター",
    "行政との連携",
    "地域福祉活動計画",
    "社協の職員",
    "福祉委員",
    "ふれあい会食",
    "居場所づくり",
    "認知症の方の支援",
    "ひきこもりの相談",
    "ごみ出し支援",
    "配食サービス",
    "住民座談会",
    "防災訓練",
    "空き家の活用",
    "共同募金",
    "福祉教育",
    "地区社協",
    "老人クラブ",
]
PROBLEMS = [
    "が不足している",
    "が足りない",
    "が高齢化している",
    "の後継者がいない",
    "が続かない",
    "の情報が届かない",
    "の財源が確保できない",
    "の会場が見つからない",
    "が知られていない",
    "の参加者が固定している",
    "と行政の役割分担があいまい",
    "の連絡体制が弱い",
    "を担う人が減っている",
    "の活動がマンネリ化している",
    "に若い人が参加しない",
]
PLACES = ["", "市内全域で", "中山間地域で", "団地で", "旧町部で", "沿岸部で", "駅周辺で"]
TAILS = ["。", "", "ことが課題。", "のが悩み。", "と感じる。", "という声がある。"]


def note_text(rng: random.Random) -> str:
    return rng.choice(PLACES) + rng.choice(SUBJECTS) + rng.choice(PROBLEMS) + rng.choice(TAILS)


def notes(count: int, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    return [note_text(rng) for _ in range(count)]
