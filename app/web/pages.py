"""Rendering pages and fragments, and reading the small forms they post."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from app import i18n


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(
    request: Request, template: str, status_code: int = 200, /, **context: Any
) -> HTMLResponse:
    """Render a page; positional-only names leave every keyword free for the context."""
    env = request.app.state.templates
    context.setdefault("request", request)
    context.setdefault("locale", i18n.current_locale())
    html = env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code)


def render_error(request: Request, message: str, status_code: int) -> HTMLResponse:
    if is_htmx(request):
        return render(request, "partials/form_error.html", status_code, message=message)
    return render(request, "error.html", status_code, message=message, status=status_code)


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths: a crafted ``next`` must not send anyone elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
