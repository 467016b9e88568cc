"""Fan-out: Fusen's event streams beside a bare Starlette broadcast, in the same run.

For each number of listeners, each server in turn (uvicorn on one core, this client on the
other): open N event streams, then

- **paced**: post notes at 20 a second; latency from sending the POST to each listener
  receiving the note (so Fusen's figure includes its durable SQLite write; the bare broadcast
  writes nothing), p50/p99/max;
- **saturated**: post notes as fast as a few concurrent posters can; deliveries per second
  (listeners × notes ÷ time from the first POST to the last delivery) and the server's CPU
  time per delivery, read from /proc, which does not depend on how fast this client is;
- every delivery is counted (a missing one fails the run), and the server's RSS growth per
  open stream is printed.

The client reads raw sockets and only scans for note ids, so that it stays cheaper than the
servers it measures. Fusen streams are API streams (JSON), rendered once per event.

    .venv/bin/python bench/fanout.py --listeners 200 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from servers import Server, machine, percentile, pin_client, staff_token, start_bare, start_fusen

MARKER = b'"note":{"id":"'


@dataclass
class Listener:
    received: dict[str, float] = field(default_factory=dict)
    opened: bool = False
    bytes: int = 0


@dataclass
class Target:
    """How to stream from and post to one server."""

    server: Server
    stream_path: str
    post_path: str
    headers: dict[str, str]
    body: dict


async def listen(host: str, port: int, path: str, headers: dict, me: Listener, ready) -> None:
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n{extra}\r\n".encode()
    )
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    tail = b""
    try:
        while True:
            chunk = await reader.read(1 << 16)
            if not chunk:
                return
            now = time.perf_counter()
            me.bytes += len(chunk)
            data = tail + chunk
            if not me.opened and b"retry:" in data:
                me.opened = True
                ready()
            start = 0
            while True:
                at = data.find(MARKER, start)
                if at < 0 or at + len(MARKER) + 36 > len(data):
                    break
                note_id = data[at + len(MARKER) : at + len(MARKER) + 36].decode()
                me.received.setdefault(note_id, now)
                start = at + len(MARKER) + 36
            tail = data[max(start, len(data) - len(MARKER) - 36) :]
    finally:
        writer.close()


async def measure(target: Target, listeners: int, paced: int, rate: float, burst: int) -> dict:
    server = target.server
    host, port = "127.0.0.1", server.port
    rss_before = server.rss_kb()
    opened = asyncio.Event()
    count = [0]

    def ready() -> None:
        count[0] += 1
        if count[0] == listeners:
            opened.set()

    states = [Listener() for _ in range(listeners)]
    tasks = []
    for state in states:
        tasks.append(
            asyncio.create_task(
                listen(host, port, target.stream_path, target.headers, state, ready)
            )
        )
        if len(tasks) % 50 == 0:
            await asyncio.sleep(0.05)  # do not flood the accept queue
    await asyncio.wait_for(opened.wait(), 120)
    await asyncio.sleep(0.5)
    rss_per_stream = (server.rss_kb() - rss_before) / listeners

    limits = httpx.Limits(max_connections=8)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as api:

        async def post(n: int) -> tuple[str, float]:
            note_id = str(uuid.uuid4())
            body = {**target.body, "text": f"付箋 {n}", "id": note_id}
            if "group" in body:
                body["group"] = f"{n % 10 + 1}G"
            sent = time.perf_counter()
            response = await api.post(target.post_path, headers=target.headers, json=body)
            response.raise_for_status()
            return note_id, sent

        async def delivered(ids: list[str], timeout: float = 120) -> float:
            deadline = time.perf_counter() + timeout
            while time.perf_counter() < deadline:
                if all(all(i in s.received for i in ids) for s in states):
                    return max(s.received[i] for s in states for i in ids)
                await asyncio.sleep(0.02)
            missing = sum(1 for s in states for i in ids if i not in s.received)
            raise SystemExit(f"{server.name}: {missing} deliveries missing")

        # Paced: one note every 1/rate seconds, on a schedule (a slow POST does not shift it).
        sent_at: dict[str, float] = {}
        started = time.perf_counter()
        pending = []
        for n in range(paced):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(post(n)))
        for note_id, sent in await asyncio.gather(*pending):
            sent_at[note_id] = sent
        await delivered(list(sent_at))
        latencies = [(s.received[i] - sent) * 1000 for s in states for i, sent in sent_at.items()]

        # Saturated: four posters back to back.
        cpu_before = server.cpu_seconds()
        first = time.perf_counter()
        ids: list[str] = []

        async def poster(k: int) -> None:
            for n in range(k, burst, 4):
                note_id, _ = await post(paced + n)
                ids.append(note_id)

        await asyncio.gather(*(poster(k) for k in range(4)))
        last = await delivered(ids)
        cpu = server.cpu_seconds() - cpu_before

    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    total = listeners * burst
    return {
        "server": server.name,
        "listeners": listeners,
        "paced_delivered": len(latencies),
        "paced_expected": listeners * paced,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
        "mean": statistics.fmean(latencies),
        "deliveries": total,
        "deliveries_per_s": total / (last - first),
        "cpu_us_per_delivery": cpu / total * 1e6,
        "rss_kb_per_stream": rss_per_stream,
    }


async def fusen_target(server: Server) -> Target:
    token = staff_token(server.url)
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as api:
        created = (
            await api.post(
                "/api/v1/workshops",
                headers=auth,
                json={"title": "bench", "format": "kpt", "groups": [f"{n}G" for n in range(1, 11)]},
            )
        ).json()
        await api.put(
            f"/api/v1/workshops/{created['id']}/current-stage", headers=auth, json={"stage": "keep"}
        )
    return Target(
        server=server,
        stream_path=f"/api/v1/workshops/{created['id']}/events",
        post_path=f"/api/v1/workshops/{created['id']}/notes",
        headers=auth,
        body={"stage": "keep", "group": "1G"},
    )


def bare_target(server: Server) -> Target:
    return Target(
        server=server,
        stream_path="/events",
        post_path="/notes",
        headers={},
        body={"stage": "keep", "group": "1G"},
    )


async def run(counts: list[int], paced: int, rate: float, burst: int) -> list[dict]:
    placement = pin_client()
    print(f"machine: {machine()}\n{placement}")
    results = []
    for listeners in counts:
        for kind in ("fusen", "bare"):
            workdir = Path(tempfile.mkdtemp(prefix="fusen-fanout-"))
            server = (
                start_fusen(workdir, FUSEN_NOTES_BURST="100000")
                if kind == "fusen"
                else start_bare(workdir, "broadcast_app")
            )
            try:
                target = await fusen_target(server) if kind == "fusen" else bare_target(server)
                result = await measure(target, listeners, paced, rate, burst)
            finally:
                server.stop()
            results.append(result)
            print(
                f"{result['server']:>14} listeners={listeners:>5} "
                f"paced {result['paced_delivered']}/{result['paced_expected']} "
                f"p50={result['p50']:.1f} p99={result['p99']:.1f} max={result['max']:.1f} ms | "
                f"saturated {result['deliveries']} deliveries "
                f"{result['deliveries_per_s']:.0f}/s "
                f"{result['cpu_us_per_delivery']:.1f} µs CPU each | "
                f"RSS {result['rss_kb_per_stream']:.1f} KB/stream",
                flush=True,
            )
        fusen, bare = results[-2], results[-1]
        print(
            f"{'ratio':>14} listeners={listeners:>5} deliveries/s fusen/bare = "
            f"{fusen['deliveries_per_s'] / bare['deliveries_per_s']:.2f}, "
            f"CPU per delivery bare/fusen = "
            f"{bare['cpu_us_per_delivery'] / fusen['cpu_us_per_delivery']:.2f}",
            flush=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listeners", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--paced", type=int, default=100, help="notes posted at --rate")
    parser.add_argument("--rate", type=float, default=20.0, help="notes per second, paced")
    parser.add_argument("--burst", type=int, default=100, help="notes posted back to back")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results = asyncio.run(run(args.listeners, args.paced, args.rate, args.burst))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
