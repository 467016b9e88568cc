"""SSE transport cost: a plain StreamingResponse of pre-encoded bytes against sse-starlette.

Serves both from one uvicorn process on loopback, lets one client read N messages from each
(several rounds, alternating) and prints the rate and the server's CPU time per message, read
from /proc, which does not depend on how fast the client is. This is why Fusen streams with a
plain StreamingResponse (see docs/architecture.md).

    .venv/bin/pip install -e ".[bench]"   # sse-starlette, only for this benchmark
    .venv/bin/python bench/sse_transport.py --messages 20000
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

PAYLOAD = (
    '{"note":{"id":"00000000-0000-4000-8000-000000000000","stage":"keep","text":"付箋のテキスト"}}'
)


def make_app(count: int) -> FastAPI:
    from sse_starlette.sse import EventSourceResponse

    app = FastAPI()

    @app.get("/plain")
    async def plain() -> StreamingResponse:
        async def body():
            for seq in range(1, count + 1):
                yield f"id: {seq}\nevent: note.created\ndata: {PAYLOAD}\n\n".encode()

        return StreamingResponse(body(), media_type="text/event-stream")

    @app.get("/sse-starlette")
    async def library() -> EventSourceResponse:
        async def body():
            for seq in range(1, count + 1):
                yield {"id": str(seq), "event": "note.created", "data": PAYLOAD}

        return EventSourceResponse(body())

    return app


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the server process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(url: str, count: int, pid: int) -> tuple[float, float]:
    """Messages per second seen by the client, and server CPU microseconds per message."""
    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    seen, tail, marker = 0, b"", b"\nevent: "
    with httpx.stream("GET", url, timeout=60) as response:
        for chunk in response.iter_raw():
            # A marker may straddle two chunks: count over the joint, minus the old tail.
            joined = tail + chunk
            seen += joined.count(marker) - tail.count(marker)
            tail = joined[-(len(marker) - 1) :]
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds(pid) - cpu_before
    assert seen == count, (url, seen)
    return count / elapsed, cpu / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        uvicorn.run(make_app(args.messages), port=args.serve, log_level="warning")
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, __file__, "--serve", str(port), "--messages", str(args.messages)]
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/docs", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        results: dict[str, list[tuple[float, float]]] = {"plain": [], "sse-starlette": []}
        for _ in range(args.rounds):
            for name in results:
                results[name].append(measure(f"{base}/{name}", args.messages, server.pid))
    finally:
        server.terminate()
        server.wait(10)
    medians = {}
    for name, runs in results.items():
        rate = statistics.median(r for r, _ in runs)
        cost = statistics.median(c for _, c in runs)
        medians[name] = cost
        print(f"{name:14s} {rate:9.0f} messages/s   server CPU {cost:6.1f} µs/message")
    print(
        f"server CPU per message, sse-starlette / plain = "
        f"{medians['sse-starlette'] / medians['plain']:.2f}"
    )


if __name__ == "__main__":
    main()
