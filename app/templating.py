"""The one Jinja environment: autoescaped, translated, with URLs from named routes only."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.routing import Router

from app import i18n
from app.settings import ROOT

TEMPLATE_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
URL_CACHE_SIZE = 8192  # paths of named routes, a few hundred bytes each at most


@lru_cache(maxsize=256)
def static_version(path: str) -> str:
    """The first ten hex digits of the file's SHA-256: the ``v`` of its URL."""
    try:
        return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def static_url(path: str) -> str:
    """Cache-busting static URL, so phones never keep a stale script after an upgrade."""
    return f"/static/{path}?v={static_version(path)}"


def make_environment(router: Router, *, timezone: str = "Asia/Tokyo") -> Environment:
    """``timezone`` is the zone the workshops happen in; pages show every time in it."""
    zone = ZoneInfo(timezone)
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The i18n extension adds this method at run time; Jinja2's types do not declare it.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message, **params: i18n.gettext(message, **params),
        lambda singular, plural, n, **params: i18n.ngettext(singular, plural, n, **params),
        newstyle=True,
    )

    # A live patch draws dozens of links per card, and finding a route by name walks the
    # route table each time (3 ms of a new note's patch to a board, a wall and a phone). The
    # routes never change once the app is built, so a path is looked up once.
    @lru_cache(maxsize=URL_CACHE_SIZE)
    def path_for(name: str, params: tuple[tuple[str, str], ...]) -> str:
        return str(router.url_path_for(name, **dict(params)))

    def url(name: str, **params: Any) -> str:
        return path_for(name, tuple((k, str(v)) for k, v in params.items()))

    env.globals.update(
        url=url,
        static_url=static_url,
        current_locale=i18n.current_locale,
        locales=i18n.LOCALES,
    )
    env.filters["label"] = localized_label
    env.filters["prompt"] = localized_prompt
    env.filters["datefmt"] = format_date
    env.filters["localtime"] = lambda value, fmt="%Y-%m-%d %H:%M": format_local_time(
        value, zone, fmt
    )
    return env


class Labelled(Protocol):
    """A stage as the templates show it: its Japanese label and the English one, if given."""

    @property
    def label(self) -> str: ...
    @property
    def label_en(self) -> str: ...


class Prompted(Protocol):
    @property
    def prompt(self) -> str: ...
    @property
    def prompt_en(self) -> str: ...


def localized_label(stage: Labelled) -> str:
    if i18n.current_locale() == "en" and stage.label_en:
        return stage.label_en
    return stage.label


def localized_prompt(stage: Prompted) -> str:
    if i18n.current_locale() == "en" and stage.prompt_en:
        return stage.prompt_en
    return stage.prompt


def format_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    if i18n.current_locale() == "ja":
        weekday = "月火水木金土日"[value.weekday()]
        return f"{value.year}年{value.month}月{value.day}日（{weekday}）"
    return value.strftime("%a %-d %b %Y")


def format_local_time(
    value: dt.datetime | None, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M"
) -> str:
    """A stored time (UTC) as the room reads it: in the workshop's zone, with the zone's name.

    Naive values are taken as UTC, which is how every timestamp is stored.
    """
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(zone)
    return f"{local.strftime(fmt)} {local.tzname()}"
