"""A process's life seen from outside: not ready while it migrates, draining once told to stop.

Starting: the server listens at once and answers 503 (``Retry-After``) to everything but
``/healthz`` until the schema is migrated, so a proxy or an orchestrator sees a process that is
starting rather than one that refuses connections or answers 500 from a missing table.

Stopping: on SIGTERM the process closes its event streams at once (each browser reconnects
through the proxy to another process and resumes with Last-Event-ID), answers 503 to new
requests that still reach it on a kept-alive connection, and lets the server finish the requests
already running (their writes commit) within its graceful-shutdown timeout. The server itself
stops accepting connections on the same signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from app import i18n
from app.i18n import N_

log = logging.getLogger("fusen")

ALWAYS_ANSWERED = ("/healthz", "/static/")
STARTING = N_("The server is starting. Try again in a moment.")
STOPPING = N_("This server is restarting. Try again in a moment.")


class Lifecycle:
    """Whether this process takes requests, and what to do when it must stop."""

    def __init__(self) -> None:
        self.ready = False
        self.draining = False
        self._on_drain: list[Callable[[], Any]] = []
        self._previous: Any = None
        self._installed = False

    @property
    def serving(self) -> bool:
        return self.ready and not self.draining

    def on_drain(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` on the event loop when the process is told to stop."""
        self._on_drain.append(callback)

    def drain(self) -> None:
        if self.draining:
            return
        self.draining = True
        log.info("stopping: closing event streams, finishing requests in flight")
        for callback in self._on_drain:
            try:
                result = callback()
                if asyncio.iscoroutine(result):
                    asyncio.get_running_loop().create_task(result)
            except Exception:
                log.exception("drain step failed")

    def install_signal_handler(self, loop: asyncio.AbstractEventLoop) -> None:
        """Drain on SIGTERM, then hand the signal on to the server's own handler.

        Only the main thread may set signal handlers; in-process test clients run the app
        elsewhere and simply never drain.
        """
        if threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGTERM)

        def handle(signum: int, frame: Any) -> None:
            loop.call_soon_threadsafe(self.drain)
            if callable(previous):
                previous(signum, frame)

        self._previous = previous
        signal.signal(signal.SIGTERM, handle)
        self._installed = True

    def remove_signal_handler(self) -> None:
        if self._installed and threading.current_thread() is threading.main_thread():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signal.SIGTERM, self._previous)
            self._installed = False


class LifecycleMiddleware:
    """503 with ``Retry-After`` while starting or stopping; the health check always answers."""

    def __init__(self, app: ASGIApp, lifecycle: Lifecycle) -> None:
        self.app = app
        self.lifecycle = lifecycle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or self.lifecycle.serving
            or scope["path"].startswith(ALWAYS_ANSWERED)
        ):
            await self.app(scope, receive, send)
            return
        message = STOPPING if self.lifecycle.draining else STARTING
        body = (i18n.gettext(message) + "\n").encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"retry-after", b"1"),
                    (b"connection", b"close"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
