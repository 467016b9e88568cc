"""Several processes behind the proxy: N event streams through nginx, notes posted at a steady rate.

Starts PostgreSQL-backed ``fusen serve`` processes with the Redis bus (two, then one for
comparison) behind nginx configured from deploy/nginx (TLS, HTTP/2 offered; the client speaks
HTTP/1.1), opens N API event streams through the proxy (nginx spreads them over the processes),
posts notes through the proxy at a fixed rate and prints, for each run:

- p50/p95/p99/max from sending a POST to the moment the *last* screen received that note,
- deliveries counted against notes × streams,
- RSS of each app process idle and with the streams open, and the difference per stream.

The streams are held by ``--clients`` viewer processes (one Python process cannot read 20,000
events a second); on a 2-core machine they compete with the servers, so the latencies are an
upper bound. Needs nginx, PostgreSQL and Redis:

    FUSEN_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
    FUSEN_TEST_REDIS_URL=redis://127.0.0.1:6379/0 \\
    .venv/bin/python bench/cluster.py --streams 1000 --rate 20 --seconds 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402
from tests.live_cluster import (  # noqa: E402
    open_workshop,
    post_note,
    staff_token,
    start_fusen,
    stop,
    wait_healthy,
)
from tests.web.test_topology import DEPLOY, render_proxy  # noqa: E402

PASSWORD = "bench-password-123"  # noqa: S105  (throw-away servers on loopback)
SECRET = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def watch(url, cafile, workshop_id, token, base, streams, ready, report, quit, results):  # type: ignore[no-untyped-def]
    """One viewer process: ``streams`` streams; reports arrival times when told to."""
    asyncio.run(
        _watch(url, cafile, workshop_id, token, base, streams, ready, report, quit, results)
    )


class LeanViewer:
    """One event stream read straight off a TLS socket, as cheaply as Python can.

    The request says HTTP/1.0, so the proxy sends the stream as it comes, without chunk
    framing; the viewer splits it into events at blank lines and parses JSON only for
    ``note.created``. An httpx viewer spent most of the machine's CPU parsing lines, which is
    what the benchmark should leave to the servers.
    """

    def __init__(self, host: str, port: int, path: str, trust: ssl.SSLContext) -> None:
        self.host, self.port, self.path, self.trust = host, port, path, trust
        self.seqs: list[int] = []
        self.notes: list[str] = []
        self.note_times: dict[str, float] = {}
        self.opened = asyncio.Event()
        self.closed = False

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection(
            self.host, self.port, ssl=self.trust, server_hostname="localhost"
        )
        head = f"GET {self.path} HTTP/1.0\r\nHost: localhost\r\nAccept: text/event-stream"
        writer.write(f"{head}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")):
            raise RuntimeError(head.decode(errors="replace"))
        self.opened.set()
        buffer = b""
        try:
            while chunk := await reader.read(65536):
                now = time.monotonic()
                buffer += chunk
                *blocks, buffer = buffer.split(b"\n\n")
                for block in blocks:
                    self._take(block, now)
        finally:
            self.closed = True
            writer.close()

    def _take(self, block: bytes, now: float) -> None:
        if not block.startswith(b"id: "):
            return  # the retry hint and heartbeats
        lines = block.split(b"\n")
        self.seqs.append(int(lines[0][4:]))
        if lines[1] == b"event: note.created":
            note_id = json.loads(lines[2][6:])["note"]["id"]
            self.notes.append(note_id)
            self.note_times.setdefault(note_id, now)


async def _watch(url, cafile, workshop_id, token, base, streams, ready, report, quit, results):  # type: ignore[no-untyped-def]
    trust = ssl.create_default_context(cafile=cafile)
    host, port = url.removeprefix("https://").split(":")
    path = f"/api/v1/workshops/{workshop_id}/events?token={token}&after={base}"
    viewers = [LeanViewer(host, int(port), path, trust) for _ in range(streams)]
    tasks = []
    for n, viewer in enumerate(viewers):
        tasks.append(asyncio.create_task(viewer.run()))
        if n % 50 == 49:
            await asyncio.sleep(0.05)  # a hall filling up, not one packet storm
    await asyncio.wait_for(asyncio.gather(*(v.opened.wait() for v in viewers)), 300)
    ready.set()
    while not report.is_set():
        await asyncio.sleep(0.1)
    last: dict[str, float] = {}
    for viewer in viewers:
        for note_id, at in viewer.note_times.items():
            last[note_id] = max(last.get(note_id, 0.0), at)
    results.put(
        {
            "last": last,
            "complete": [n for n in last if all(n in v.note_times for v in viewers)],
            "delivered": sum(len(v.notes) for v in viewers),
            "duplicates": sum(len(v.notes) - len(set(v.notes)) for v in viewers),
            "out_of_order": sum(v.seqs != sorted(v.seqs) for v in viewers),
            "open": sum(1 for v in viewers if not v.closed),
        }
    )
    while not quit.is_set():
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def measure(url: str, cafile: str, args, apps) -> dict:  # type: ignore[no-untyped-def]
    trust = ssl.create_default_context(cafile=cafile)
    token = staff_token(url, PASSWORD, verify=trust)
    workshop_id, base = open_workshop(url, token, groups=["1G", "2G", "3G"], verify=trust)
    idle = [rss_kb(app.process.pid) for app in apps]
    context = multiprocessing.get_context("spawn")
    ready = [context.Event() for _ in range(args.clients)]
    report, quit = context.Event(), context.Event()
    results = context.Queue()
    share = args.streams // args.clients
    clients = [
        context.Process(
            target=watch,
            args=(url, cafile, workshop_id, token, base, share, ready[n], report, quit, results),
            daemon=True,
        )
        for n in range(args.clients)
    ]
    for client in clients:
        client.start()
    for event in ready:
        if not event.wait(300):
            raise SystemExit("the viewers did not connect within 5 minutes")
    time.sleep(2)
    loaded = [rss_kb(app.process.pid) for app in apps]
    sent, acks = asyncio.run(_post(url, trust, token, workshop_id, args))
    time.sleep(args.grace)
    report.set()
    parts = [results.get(timeout=120) for _ in clients]
    # Stop the first process with its streams still open, as a rolling restart does.
    open_streams = sum(part["open"] for part in parts)
    signalled = time.monotonic()
    apps[0].process.send_signal(signal.SIGTERM)
    apps[0].process.wait(60)
    stop_seconds = time.monotonic() - signalled
    quit.set()
    for client in clients:
        client.join(30)
    complete = set.intersection(*(set(part["complete"]) for part in parts))
    latencies = [
        (max(part["last"][note_id] for part in parts) - at) * 1000
        for note_id, at in sent.items()
        if note_id in complete
    ]
    return {
        "notes": len(sent),
        "latencies": latencies,
        "acks": acks,
        "delivered": sum(part["delivered"] for part in parts),
        "expected": len(sent) * share * args.clients,
        "duplicates": sum(part["duplicates"] for part in parts),
        "out_of_order": sum(part["out_of_order"] for part in parts),
        "stop_seconds": stop_seconds,
        "open_streams": open_streams,
        "idle_kb": idle,
        "loaded_kb": loaded,
        "streams": share * args.clients,
    }


async def _post(url, trust, token, workshop_id, args):  # type: ignore[no-untyped-def]
    sent: dict[str, float] = {}
    acks: list[float] = []
    async with httpx.AsyncClient(timeout=60, verify=trust) as client:

        async def post(n: int) -> None:
            note_id, at = await post_note(
                client, [url], workshop_id, token, "keep", f"{n % 3 + 1}G", f"付箋 {n}", 300
            )
            acks.append((time.monotonic() - at) * 1000)
            sent[note_id] = at

        posts = []
        total = int(args.rate * args.seconds)
        started = time.monotonic()
        for n in range(total):
            posts.append(asyncio.create_task(post(n)))
            await asyncio.sleep(max(0.0, started + (n + 1) / args.rate - time.monotonic()))
        await asyncio.gather(*posts)
    return sent, acks


def run(processes: int, args, workdir: Path, base_url: str, redis_url: str) -> dict:  # type: ignore[no-untyped-def]
    name = f"bench_cluster_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database = base_url.rsplit("/", 1)[0] + "/" + name
    env = {
        "FUSEN_DATABASE_URL": database,
        "FUSEN_BUS_URL": redis_url,
        "FUSEN_REDIS_PREFIX": f"bench-{uuid.uuid4().hex}",
        "FUSEN_SECRET_KEY": SECRET,
        "FUSEN_ADMIN_PASSWORD": PASSWORD,
        "FUSEN_NOTES_BURST": "100000",
        "FUSEN_LOGIN_FAILURES_BURST": "100",
        # Every viewer shares one staff token; the per-token cap is for one person's tabs.
        "FUSEN_STREAMS_PER_TOKEN": "100000",
    }
    apps = [
        start_fusen(free_port(), env, workdir / f"app-{processes}-{n}.log")
        for n in range(processes)
    ]
    tls = workdir / "tls"
    if not tls.exists():
        subprocess.run(  # noqa: S603
            ["/bin/sh", str(DEPLOY / "make-cert.sh"), "localhost"],
            env={**os.environ, "TLS_DIR": str(tls)},
            check=True,
            capture_output=True,
        )
    port = free_port()
    folder = workdir / f"proxy-{processes}"
    render_proxy(
        folder,
        {
            "FUSEN_HTTP_PORT": f"127.0.0.1:{free_port()}",
            "FUSEN_HTTPS_PORT": f"127.0.0.1:{port}",
            "FUSEN_TLS_DIR": str(tls),
            "FUSEN_UPSTREAM_SERVERS": " ".join(
                f"server {app.url.removeprefix('http://')};" for app in apps
            ),
        },
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proxy = subprocess.Popen(  # noqa: S603
        [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(apps, timeout=120)
        time.sleep(1)
        return measure(f"https://127.0.0.1:{port}", str(tls / "cert.pem"), args, apps)
    finally:
        proxy.terminate()
        proxy.wait()
        stop(apps)
        with psycopg.connect(base_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(processes: int, result: dict, streams: int) -> None:
    latencies = result["latencies"]
    streams = result["streams"]
    per_stream = (sum(result["loaded_kb"]) - sum(result["idle_kb"])) / streams
    print(f"\n{processes} process(es) behind nginx, {streams} streams, {result['notes']} notes")
    if latencies:
        print(
            f"  post → every screen: p50 {statistics.median(latencies):.0f} ms, "
            f"p95 {percentile(latencies, 0.95):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms, "
            f"max {max(latencies):.0f} ms"
        )
    acks = result["acks"]
    print(
        f"  post acknowledged: p50 {statistics.median(acks):.0f} ms, "
        f"p99 {percentile(acks, 0.99):.0f} ms"
    )
    print(
        f"  deliveries: {result['delivered']} of {result['expected']}, "
        f"duplicates {result['duplicates']}, streams out of order {result['out_of_order']}"
    )
    print(
        f"  SIGTERM to the first process with {result['open_streams']} streams open "
        f"(about {result['open_streams'] // processes} on it): exited in "
        f"{result['stop_seconds']:.1f} s"
    )
    print(
        f"  RSS idle {[kb // 1024 for kb in result['idle_kb']]} MB, with streams "
        f"{[kb // 1024 for kb in result['loaded_kb']]} MB: {per_stream:.1f} KB per stream"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20.0, help="notes per second")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--processes", default="2,1", help="runs, e.g. 2,1")
    parser.add_argument("--clients", type=int, default=4, help="viewer processes")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds to wait for deliveries")
    args = parser.parse_args()
    import resource

    # Every stream is a file descriptor here, in nginx and in an app; children inherit this.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    base_url = os.environ.get(
        "FUSEN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    redis_url = os.environ.get("FUSEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    with tempfile.TemporaryDirectory() as tmp:
        for processes in (int(p) for p in args.processes.split(",")):
            result = run(processes, args, Path(tmp), base_url, redis_url)
            report(processes, result, args.streams)


if __name__ == "__main__":
    main()
