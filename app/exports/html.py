"""The report as one self-contained, printable HTML page: A4 print CSS, no scripts, no links."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, select_autoescape

from app import i18n
from app.exports import layout
from app.exports.report import Report
from app.templating import TEMPLATE_DIR

# The page carries its own styles, so it must be served with a policy that allows just those.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'"
)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
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
    env.globals["layout"] = layout
    return env


def render(report: Report) -> bytes:
    page = (
        environment()
        .get_template("exports/report.html")
        .render(report=report, locale=i18n.current_locale(), t=layout.titles())
    )
    return page.encode("utf-8")
