"""What each middleware layer costs a request, and each message of an event stream.

In-process, no sockets: the app is called as an ASGI application with a minimal scope, once with
its whole middleware stack, then without each layer in turn, then with none of them (FastAPI's
own error and exception layers only). Two probe routes are added to the app for the measurement:

- ``GET /api/v1/_probe``: a small JSON answer, the shape of an API call (per request);
- ``GET /api/v1/_probe/stream``: an event stream of many small chunks (per message).

Server CPU time (``time.process_time``) per request and per message is printed, best of
``--repeat`` rounds taken in turn, so a busy machine inflates the figures less than wall-clock
time would.

    .venv/bin/python bench/middleware_cost.py
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi import FastAPI  # noqa: E402
from fastapi.responses import JSONResponse, StreamingResponse  # noqa: E402
from servers import PASSWORD  # noqa: E402

CHUNK = b'id: 1\nevent: note.created\ndata: {"note":{"id":"x"}}\n\n'


def make_app(workdir: Path) -> FastAPI:
    os.environ.update(
        {
            "FUSEN_DATABASE_URL": f"sqlite:///{workdir / 'fusen.db'}",
            "FUSEN_SECRET_KEY": "bench-secret-key-0123456789-0123456789",
            "FUSEN_ADMIN_PASSWORD": PASSWORD,
        }
    )
    from app.main import create_app

    app = create_app()

    async def probe() -> JSONResponse:
        return JSONResponse({"ok": True})

    async def probe_stream(n: int = 1000) -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(n):
                yield CHUNK

        return StreamingResponse(chunks(), media_type="text/event-stream")

    app.add_api_route("/api/v1/_probe", probe)
    app.add_api_route("/api/v1/_probe/stream", probe_stream)
    return app


def scope(path: str, query: bytes = b"", accept: bytes = b"application/json") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"accept", accept),
            (b"accept-encoding", b"gzip, br"),
            (b"accept-language", b"ja,en;q=0.8"),
            (b"authorization", b"Bearer not-used-by-the-probe"),
            (b"user-agent", b"bench"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def call(asgi: Callable, request: dict[str, Any]) -> int:
    """Run one request; the number of messages sent, which must start with a 200."""
    sent: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message.get("status", 0))

    await asgi(dict(request), receive, send)
    if sent[0] != 200:
        raise SystemExit(f"{request['path']} answered {sent[0]}")
    return len(sent)


async def cpu_per(asgi: Callable, request: dict[str, Any], runs: int) -> float:
    """CPU µs per run of ``request``."""
    started = time.process_time()
    for _ in range(runs):
        await call(asgi, request)
    return (time.process_time() - started) / runs * 1e6


def stacks(app: FastAPI) -> list[tuple[str, Callable]]:
    """The whole stack, the stack without each layer, and none of them (FastAPI's own only)."""
    everything = list(app.user_middleware)
    out: list[tuple[str, Callable]] = []

    def build(layers: list) -> Callable:
        app.user_middleware = layers
        app.middleware_stack = None
        built = app.build_middleware_stack()
        app.user_middleware = everything
        return built

    out.append(("all layers", build(everything)))
    for layer in everything:
        name = getattr(layer.cls, "__name__", repr(layer.cls))
        out.append((f"without {name}", build([m for m in everything if m is not layer])))
    out.append(("no user middleware", build([])))
    return out


async def run(requests: int, messages: int, repeat: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="fusen-mw-"))
    app = make_app(workdir)
    async with app.router.lifespan_context(app):
        plain = scope("/api/v1/_probe")
        streamed = scope(
            "/api/v1/_probe/stream", query=f"n={messages}".encode(), accept=b"text/event-stream"
        )
        # Warm up every path once.
        for _name, asgi in stacks(app):
            assert await call(asgi, plain) >= 2
            assert await call(asgi, streamed) >= messages
        built = stacks(app)
        per_request = {name: float("inf") for name, _ in built}
        per_message = dict(per_request)
        # Round-robin, best of each: the machine's load drifts less between neighbours.
        for _ in range(repeat):
            for name, asgi in built:
                per_request[name] = min(per_request[name], await cpu_per(asgi, plain, requests))
                per_message[name] = min(
                    per_message[name], await cpu_per(asgi, streamed, 1) / messages
                )
        print(f"{'stack':<40} {'µs CPU / request':>18} {'µs CPU / message':>18}")
        for name, _ in built:
            print(f"{name:<40} {per_request[name]:>18.1f} {per_message[name]:>18.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.messages, args.repeat))


if __name__ == "__main__":
    main()
