"""Fan-out latency: N open event streams, M notes posted; how long until every viewer has each note.

Starts the real server (uvicorn, SQLite, in-process bus) in a subprocess on a free loopback port,
opens N API event streams, posts M notes one after another and prints latency percentiles from
the moment each POST was sent to the moment each viewer received the event (so the figure
includes the write itself). The client runs in one Python process and is itself a bottleneck
at a few thousand messages a second: the figures are an upper bound on the server's latency.

    .venv/bin/python bench/fanout.py --viewers 300 --notes 50
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-123"  # noqa: S105  (a throw-away server on loopback)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "FUSEN_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "FUSEN_ADMIN_PASSWORD": PASSWORD,
        "FUSEN_SECRET_KEY": "bench-secret-key-0123456789-0123456789",
    }
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "1",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("server did not start")


async def viewer(
    client: httpx.AsyncClient,
    url: str,
    token: str,
    expected: int,
    received: dict[str, float],
    opened: asyncio.Event,
    counter: list[int],
    total: int,
) -> None:
    async with client.stream("GET", url, params={"token": token}) as response:
        async for line in response.aiter_lines():
            if line.startswith("retry:"):
                counter[0] += 1
                if counter[0] == total:
                    opened.set()
            elif line.startswith("data: ") and '"note"' in line:
                note_id = line.split('"id":"', 1)[1].split('"', 1)[0]
                received[note_id] = time.perf_counter()
                if len(received) == expected:
                    return


async def run(viewers: int, notes: int, interval: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="fusen-bench-"))
    process, url = start_server(workdir)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60) as api:
            token = (
                await api.post("/api/v1/token", data={"username": "admin", "password": PASSWORD})
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            created = (
                await api.post(
                    "/api/v1/workshops",
                    headers=auth,
                    json={
                        "title": "bench",
                        "format": "kpt",
                        "groups": [f"{n}G" for n in range(1, 11)],
                    },
                )
            ).json()
            await api.put(
                f"/api/v1/workshops/{created['id']}/current-stage",
                headers=auth,
                json={"stage": "keep"},
            )
            stream_url = f"{url}/api/v1/workshops/{created['id']}/events"
            limits = httpx.Limits(max_connections=viewers + 10)
            async with httpx.AsyncClient(timeout=120, limits=limits) as streams:
                opened = asyncio.Event()
                counter = [0]
                inboxes: list[dict[str, float]] = [{} for _ in range(viewers)]
                tasks = [
                    asyncio.create_task(
                        viewer(streams, stream_url, token, notes, inbox, opened, counter, viewers)
                    )
                    for inbox in inboxes
                ]
                await asyncio.wait_for(opened.wait(), 60)
                posted: dict[str, float] = {}
                started = time.perf_counter()
                for n in range(notes):
                    sent = time.perf_counter()
                    response = await api.post(
                        f"/api/v1/workshops/{created['id']}/notes",
                        headers=auth,
                        json={"stage": "keep", "text": f"付箋 {n}", "group": f"{n % 10 + 1}G"},
                    )
                    posted[response.json()["id"]] = sent
                    await asyncio.sleep(interval)
                await asyncio.wait_for(asyncio.gather(*tasks), 120)
                elapsed = time.perf_counter() - started
        latencies = sorted(
            (inbox[note_id] - posted[note_id]) * 1000 for inbox in inboxes for note_id in inbox
        )
        delivered = len(latencies)

        def pct(p: float) -> float:
            return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

        print(f"viewers={viewers} notes={notes} delivered={delivered}/{viewers * notes}")
        print(
            f"latency ms: p50={pct(50):.1f} p95={pct(95):.1f} p99={pct(99):.1f} "
            f"max={latencies[-1]:.1f} mean={statistics.fmean(latencies):.1f}"
        )
        print(f"throughput: {delivered / elapsed:.0f} messages/s over {elapsed:.2f} s")
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=300)
    parser.add_argument("--notes", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between posts")
    args = parser.parse_args()
    asyncio.run(run(args.viewers, args.notes, args.interval))


if __name__ == "__main__":
    main()
