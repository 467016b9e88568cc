"""Start Fusen and the bare yardsticks as uvicorn processes for the benchmarks.

Servers run on one core and the benchmark's client on the other (``taskset``/affinity), so
the two do not take turns on the same CPU; where the machine has one core they share it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-123"  # noqa: S105  (a throw-away server on loopback)
SERVER_CPU = 0
CLIENT_CPU = 1


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pin_client() -> str:
    """Run this process on the client core; say where everything runs."""
    cores = os.cpu_count() or 1
    if cores > 1 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {CLIENT_CPU})
        return f"server on CPU {SERVER_CPU}, client on CPU {CLIENT_CPU} of {cores}"
    return f"server and client share {cores} CPU"


def _command(args: list[str]) -> list[str]:
    cores = os.cpu_count() or 1
    if cores > 1 and shutil.which("taskset"):
        return ["taskset", "-c", str(SERVER_CPU), *args]
    return args


def start(
    name: str, app: str, env: dict[str, str], *, app_dir: Path | None = None, log: Path
) -> Server:
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    args += ["--log-level", "warning", "--timeout-graceful-shutdown", "1", "--no-access-log"]
    if app_dir is not None:
        args += ["--app-dir", str(app_dir)]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            _command(args), cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"{name} exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(name, url, process)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{name} did not start:\n{log.read_text()}")


def start_fusen(workdir: Path, **extra_env: str) -> Server:
    env = {
        "FUSEN_DATABASE_URL": f"sqlite:///{workdir / 'fusen.db'}",
        "FUSEN_ADMIN_PASSWORD": PASSWORD,
        "FUSEN_SECRET_KEY": "bench-secret-key-0123456789-0123456789",
        "FUSEN_SSE_HEARTBEAT_SECONDS": "60",
        # Listeners share a token; the per-token and per-process caps are not what is measured.
        "FUSEN_STREAMS_PER_TOKEN": "100000",
        "FUSEN_STREAMS_PER_PROCESS": "100000",
        **extra_env,
    }
    return start("fusen", "app.main:app", env, log=workdir / "fusen.log")


def start_bare(workdir: Path, app: str) -> Server:
    env = {"BARE_DB": str(workdir / "bare.db")}
    return start(app, f"bare_apps:{app}", env, app_dir=ROOT / "bench", log=workdir / f"{app}.log")


def staff_token(url: str) -> str:
    response = httpx.post(f"{url}/api/v1/token", data={"username": "admin", "password": PASSWORD})
    response.raise_for_status()
    return response.json()["access_token"]


def machine() -> str:
    """One line about the machine: CPU model, cores, load right now."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} CPUs, load average {load}, Python {sys.version.split()[0]}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]
