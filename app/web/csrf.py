"""Cross-site request forgery: a per-browser token on every state-changing browser request.

Every browser gets a random ``fusen_csrf`` cookie. The token in forms and in htmx's header is
an HMAC of that cookie under the server's secret, so another site can neither read nor forge
it. The Origin and Sec-Fetch-Site headers are checked too: modern browsers tell us outright
when a request comes from elsewhere. The JSON API is exempt: it authenticates with bearer
tokens, which a browser never attaches on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from jinja2 import Environment, pass_context
from markupsafe import Markup, escape
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import Forbidden
from app.i18n import N_

COOKIE = "fusen_csrf"
HEADER = "x-csrf-token"
FIELD = "csrf_token"
SCOPE_KEY = "fusen.csrf_seed"
COOKIE_MAX_AGE = 30 * 24 * 3600
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXEMPT_PREFIXES = ("/api/",)


def _valid_seed(value: str | None) -> bool:
    return bool(value) and 20 <= len(value or "") <= 100 and (value or "").isalnum()


def token_for(secret_key: str, seed: str) -> str:
    return hmac.new(secret_key.encode(), f"csrf:{seed}".encode(), hashlib.sha256).hexdigest()


def request_token(request: Request) -> str:
    """The token for this browser, or "" where no request is at hand (live fragments)."""
    seed = request.scope.get(SCOPE_KEY)
    if not seed:
        return ""
    return token_for(request.app.state.settings.secret_key, seed)


class CsrfCookieMiddleware:
    """Give each browser its random seed cookie the first time it asks for anything."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(("/api/", "/static/")):
            await self.app(scope, receive, send)
            return
        seed = _cookie(scope, COOKIE)
        fresh = None
        if not _valid_seed(seed):
            seed = fresh = secrets.token_hex(16)
        scope[SCOPE_KEY] = seed

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                secure = "; Secure" if scope.get("scheme") == "https" else ""
                cookie = (
                    f"{COOKIE}={fresh}; Path=/; Max-Age={COOKIE_MAX_AGE}; HttpOnly; "
                    f"SameSite=Lax{secure}"
                )
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001, S112  (a mangled cookie header is just no cookie)
                continue
            if name in jar:
                return jar[name].value
    return None


def _same_origin(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    allowed = {request.headers.get("host", "")}
    public = request.app.state.settings.public_url
    if public:
        allowed.add(urlsplit(public).netloc)
    return urlsplit(origin).netloc in allowed


async def protect(request: Request) -> None:
    """App-wide dependency: refuse a state-changing browser request that did not come from us."""
    if request.method not in UNSAFE_METHODS or request.url.path.startswith(EXEMPT_PREFIXES):
        return
    if not _same_origin(request):
        raise Forbidden(N_("This request came from another site and was refused."))
    seed = request.scope.get(SCOPE_KEY)
    sent = request.headers.get(HEADER, "")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(FIELD)
            sent = value if isinstance(value, str) else ""
    expected = token_for(request.app.state.settings.secret_key, seed) if seed else ""
    if not seed or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(
            N_(
                "This form has expired or was not sent from this site. "
                "Reload the page and try again."
            )
        )


@pass_context
def _token_global(context: Any) -> str:
    request = context.get("request")
    return request_token(request) if request is not None else ""


@pass_context
def _field_global(context: Any) -> Markup:
    token = _token_global(context)
    if not token:
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(token))


def install(env: Environment) -> None:
    """``csrf_token()`` and ``csrf_field()`` for templates; empty where no request is at hand."""
    env.globals.update(csrf_token=_token_global, csrf_field=_field_global)
