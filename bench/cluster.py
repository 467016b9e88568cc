"""Several processes behind the proxy: N event streams through nginx, notes posted at a steady rate.

Starts PostgreSQL-backed ``fusen serve`` processes with the Redis bus (two, then one for
comparison) behind nginx configured from deploy/nginx (TLS, HTTP/2 offered; the client speaks
HTTP/1.1), opens N API event streams through the proxy (nginx spreads them over the processes),
posts notes through the proxy at a fixed rate and prints, for each run:

- p50/p95/p99/max from sending a POST to the moment the *last* screen received that note,
- deliveries counted against notes × streams,
- RSS of each app process idle and with the streams open, and the difference per stream.

The client is one Python process holding every stream; on a 2-core machine it competes with the
servers, so the latencies are an upper bound. Needs nginx, PostgreSQL and Redis:

    FUSEN_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
    FUSEN_TEST_REDIS_URL=redis://127.0.0.1:6379/0 \\
    .venv/bin/python bench/cluster.py --streams 1000 --rate 20 --seconds 15
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
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
    Viewer,
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


async def measure(url: str, trust: ssl.SSLContext, args, apps) -> dict:  # type: ignore[no-untyped-def]
    token = staff_token(url, PASSWORD, verify=trust)
    workshop_id, base = open_workshop(url, token, groups=["1G", "2G", "3G"], verify=trust)
    idle = [rss_kb(app.process.pid) for app in apps]
    limits = httpx.Limits(max_connections=args.streams + 50, max_keepalive_connections=50)
    timeout = httpx.Timeout(60.0, read=30.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout, verify=trust) as client:
        viewers = [Viewer([url], workshop_id, token, after=base) for _ in range(args.streams)]
        tasks = []
        for n, viewer in enumerate(viewers):
            tasks.append(asyncio.create_task(viewer.run(client)))
            if n % 50 == 49:
                await asyncio.sleep(0.05)  # a hall filling up, not one packet storm
        await asyncio.wait_for(asyncio.gather(*(v.opened.wait() for v in viewers)), 300)
        await asyncio.sleep(2)
        loaded = [rss_kb(app.process.pid) for app in apps]
        sent: dict[str, float] = {}
        acks: list[float] = []

        async def post(n: int) -> None:
            note_id, at = await post_note(
                client, [url], workshop_id, token, "keep", f"{n % 3 + 1}G", f"付箋 {n}"
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
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all(len(v.note_times) >= len(sent) for v in viewers):
                break
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    latencies = []
    for note_id, at in sent.items():
        arrivals = [v.note_times.get(note_id) for v in viewers]
        if all(a is not None for a in arrivals):
            latencies.append((max(arrivals) - at) * 1000)  # type: ignore[type-var]
    delivered = sum(len(v.notes) for v in viewers)
    return {
        "notes": len(sent),
        "latencies": latencies,
        "acks": acks,
        "delivered": delivered,
        "expected": len(sent) * len(viewers),
        "duplicates": sum(len(v.notes) - len(set(v.notes)) for v in viewers),
        "idle_kb": idle,
        "loaded_kb": loaded,
    }


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
        trust = ssl.create_default_context(cafile=str(tls / "cert.pem"))
        return asyncio.run(measure(f"https://127.0.0.1:{port}", trust, args, apps))
    finally:
        proxy.terminate()
        proxy.wait()
        stop(apps)
        with psycopg.connect(base_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(processes: int, result: dict, streams: int) -> None:
    latencies = result["latencies"]
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
        f"duplicates {result['duplicates']}"
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
