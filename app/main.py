"""The ASGI app: ``app.main:app``. Migrations run at start; ``/healthz`` says 200 once they did."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import access_log, i18n
from app.db import Database
from app.domain import accounts, note_tally, search_index, stream_access
from app.errors import DomainError
from app.live import events
from app.live.bus import make_bus
from app.live.deadline_keeper import DeadlineKeeper
from app.live.hub import Hub
from app.security import Signer
from app.settings import Settings, get_settings
from app.templating import STATIC_DIR, make_environment
from app.web import accounts as accounts_pages
from app.web import (
    admin,
    admission,
    board,
    csrf,
    participant,
    ratelimit,
    sorting,
    stream,
    wall,
)
from app.web.api import login as login_api
from app.web.api import notes as notes_api
from app.web.api import records as records_api
from app.web.api import reports as reports_api
from app.web.api import sorting as sorting_api
from app.web.api import workshops as workshops_api
from app.web.body_limit import BodyLimitMiddleware
from app.web.compression import CompressionMiddleware
from app.web.deps import JoinRequired, LoginRequired
from app.web.fragments import FragmentRenderer
from app.web.lifecycle import Lifecycle, LifecycleMiddleware
from app.web.pages import render, render_error
from app.web.static_files import VersionedStaticFiles

log = logging.getLogger("fusen")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class LocaleMiddleware:
    """Set the request's language: the user's choice (cookie), then Accept-Language."""

    def __init__(self, app: ASGIApp, default: str) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Only the two headers it needs are decoded: this runs for every request and stream.
        cookies = accept_language = None
        for key, value in scope["headers"]:
            if key == b"cookie":
                cookies = value.decode("latin-1")
            elif key == b"accept-language":
                accept_language = value.decode("latin-1")
        cookie = None
        for part in (cookies or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == i18n.LOCALE_COOKIE:
                cookie = value
        locale = i18n.negotiate(
            cookie=cookie, accept_language=accept_language, default=self.default
        )
        with i18n.use_locale(locale):
            await self.app(scope, receive, send)


SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
HTTPS_ONLY_HEADERS = ((b"strict-transport-security", b"max-age=31536000"),)


class SecurityHeadersMiddleware:
    """Security headers and the CSP on every answer that does not set its own.

    The header list is built once per process; each response only checks which names it
    already carries.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.plain = (*SECURITY_HEADERS, (b"content-security-policy", CSP.encode()))
        self.https = (*SECURITY_HEADERS, *HTTPS_ONLY_HEADERS, self.plain[-1])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.https if scope.get("scheme") == "https" else self.plain

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in extra if pair[0] not in names)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None, *, wait_until_ready: bool = True) -> FastAPI:
    """The app. ``wait_until_ready=False`` (the server's ``app.main:app``) listens while it
    migrates, answering 503 until the schema is current; tests wait for the migration instead."""
    settings = settings or get_settings()
    access_log.install()
    # A connection for every request slot and every worker thread (the hub's reads run in
    # those): nobody waits for a connection while holding what another waiter needs.
    db = Database(
        settings.database_url,
        pool_size=settings.request_slots,
        max_overflow=settings.worker_threads,
    )
    bus = make_bus(settings.bus_url, settings.redis_prefix)
    lifecycle = Lifecycle()

    def publish_after_commit(session: Session) -> None:
        for wakeup in events.take_pending(session):
            bus.publish(wakeup)

    db.after_commit.append(publish_after_commit)
    db.after_rollback.append(events.discard_pending)

    def prepare(session: Session) -> accounts.FirstAdmin | None:
        """Under the migration lock: the search and tally triggers, then the first account."""
        search_index.install(session.connection())
        note_tally.install(session.connection())
        return accounts.ensure_first_admin(session, password=settings.admin_password)

    keeper = DeadlineKeeper(db)

    async def start(app: FastAPI) -> None:
        created = await asyncio.to_thread(db.migrate, prepare)
        if created is not None and created.generated_password:
            print(  # noqa: T201  (shown once, on purpose, to whoever started the server)
                f"\n  First account created: user '{created.username}', "
                f"password '{created.generated_password}'\n  (set FUSEN_ADMIN_PASSWORD to choose"
                " it yourself; change it after signing in)\n",
                flush=True,
            )
        await bus.start(app.state.hub.wake)
        if settings.deadline_keeper:
            keeper.start()
        lifecycle.ready = True

    def stop_when_start_failed(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("could not start", exc_info=task.exception())
            os.kill(os.getpid(), signal.SIGTERM)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        lifecycle.install_signal_handler(asyncio.get_running_loop())
        starting: asyncio.Task[None] | None = None
        if wait_until_ready:
            await start(app)
        else:
            starting = asyncio.create_task(start(app))
            starting.add_done_callback(stop_when_start_failed)
        try:
            yield
        finally:
            lifecycle.remove_signal_handler()
            lifecycle.ready = False
            if starting is not None and not starting.done():
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await starting
            await keeper.stop()
            await app.state.hub.close()
            await bus.stop()
            app.state.limits.close()
            db.dispose()

    app = FastAPI(
        title="Fusen",
        version="0.1.0",
        summary="Live group workshops with digital sticky notes.",
        lifespan=lifespan,
        # Served below from vendored files: the default pages load scripts from a CDN and run
        # inline scripts, which the Content-Security-Policy (and a venue without internet) forbid.
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(csrf.protect)],
    )
    app.state.settings = settings
    app.state.db = db
    app.state.bus = bus
    app.state.lifecycle = lifecycle
    app.state.signer = Signer(
        settings.secret_key, max_age_seconds=settings.token_max_age_hours * 3600
    )
    app.state.templates = make_environment(app.router, timezone=settings.timezone)
    csrf.install(app.state.templates)
    app.state.limits = ratelimit.Limits(settings)

    app.state.hub = Hub(
        db=db,
        render=FragmentRenderer(app.state.templates),
        poll_seconds=settings.sse_poll_seconds,
        max_replay=settings.sse_max_replay,
        recheck=stream_access.still_valid,
        recheck_seconds=settings.stream_recheck_seconds,
        per_token=settings.streams_per_token,
        per_process=settings.streams_per_process,
    )
    lifecycle.on_drain(app.state.hub.close)

    @app.get("/healthz", tags=["health"], name="healthz")
    def healthz() -> JSONResponse:
        if lifecycle.draining:
            return JSONResponse({"status": "stopping"}, status_code=503)
        if not lifecycle.ready:
            return JSONResponse({"status": "starting"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/docs", include_in_schema=False, name="api_docs")
    def api_docs(request: Request) -> Response:
        return render(request, "api_docs.html", openapi_url=app.openapi_url)

    # The JSON API, one router per resource (app/web/api/); then the pages.
    for api_router in (
        login_api.router,
        workshops_api.router,
        notes_api.router,
        reports_api.router,
        sorting_api.router,
        records_api.router,
    ):
        app.include_router(api_router)
    app.include_router(stream.router)
    app.include_router(participant.router)
    app.include_router(board.router)
    app.include_router(wall.router)
    app.include_router(admin.router)
    app.include_router(accounts_pages.router)
    app.include_router(sorting.router)
    from app.web import records, secretariat

    app.include_router(records.router)
    app.include_router(secretariat.router)
    from app.web import search_pages, series_pages, theme_pages

    app.include_router(search_pages.router)
    app.include_router(search_pages.api_router)
    app.include_router(series_pages.router)
    app.include_router(theme_pages.router)
    app.mount("/static", VersionedStaticFiles(directory=STATIC_DIR), name="static")
    _install_error_handlers(app)
    app.add_middleware(csrf.CsrfCookieMiddleware)
    from app.exports import archive

    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_body_bytes,
        larger={
            str(app.url_path_for("api:import_workshop")): archive.MAX_BYTES,
            str(app.url_path_for("secretariat:import")): archive.MAX_BYTES + 65_536,
        },
    )
    app.add_middleware(
        admission.AdmissionMiddleware,
        gate=admission.Gate(
            slots=settings.request_slots,
            queue=settings.request_queue,
            wait=settings.request_queue_seconds,
        ),
    )
    app.add_middleware(LifecycleMiddleware, lifecycle=lifecycle)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(LocaleMiddleware, default=settings.default_locale)
    app.add_middleware(CompressionMiddleware)
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in ("/healthz",)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        message = i18n.gettext(exc.message, **exc.params)
        extra = getattr(exc, "headers", None) or {}
        if _wants_json(request):
            headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
            return JSONResponse(
                {"detail": message}, status_code=exc.status_code, headers={**headers, **extra}
            )
        response = render_error(request, message, exc.status_code)
        response.headers.update(extra)
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = app.url_path_for("admin:login")
        return RedirectResponse(f"{login}?next={_quote(target)}", status_code=303)

    @app.exception_handler(JoinRequired)
    async def join_required(request: Request, exc: JoinRequired) -> Response:
        return RedirectResponse(app.url_path_for("participant:join", code=exc.join_code), 303)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "loc": list(error.get("loc", ())),
                "msg": error.get("msg", ""),
                "type": error.get("type", ""),
            }
            for error in exc.errors()
        ]
        if _wants_json(request):
            return JSONResponse({"detail": errors}, status_code=422)
        summary = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in errors)
        return render_error(
            request, i18n.gettext("The form was not filled in correctly.") + " " + summary, 422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        message = (
            i18n.gettext("This page does not exist.") if exc.status_code == 404 else str(exc.detail)
        )
        return render_error(request, message, exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        message = i18n.gettext("Something went wrong on the server. Nothing you saved was lost.")
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=500)
        return render_error(request, message, 500)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="/")


def _log_to_stderr() -> None:
    """The server's own messages (migrations, stopping) beside uvicorn's, at INFO."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def __getattr__(name: str) -> FastAPI:
    """Build ``app`` on first use, so importing this module for tests opens no database."""
    if name == "app":
        _log_to_stderr()
        application = create_app(wait_until_ready=False)
        globals()["app"] = application
        return application
    raise AttributeError(name)
