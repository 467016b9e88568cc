"""Several real ``fusen serve`` processes, and viewers and posters that behave like phones.

Used by the process tests (start together, SIGTERM, SIGKILL behind nginx) and by
``bench/cluster.py``. Viewers are asyncio tasks: hundreds of open event streams cost the test
process one thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from app.settings import ROOT

FUSEN = Path(sys.executable).parent / "fusen"


@dataclass
class Process:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_fusen(port: int, env: dict[str, str], log: Path, workers: int = 1) -> Process:
    """``fusen serve`` on 127.0.0.1:``port``, as an operator would start it."""
    command = [str(FUSEN), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Process(f"http://127.0.0.1:{port}", process, log)


def wait_healthy(processes: Sequence[Process], timeout: float = 60) -> None:
    """Wait until every process answers 200 on /healthz; fail with its log if one dies."""
    deadline = time.monotonic() + timeout
    pending = list(processes)
    # One client for the whole wait: a new one per try loads the CA bundle again, CPU taken
    # from the servers that are starting on the same cores.
    with httpx.Client(timeout=1) as http:
        while pending:
            for proc in list(pending):
                if proc.process.poll() is not None:
                    raise AssertionError(f"server exited early:\n{proc.output()}")
                try:
                    if http.get(f"{proc.url}/healthz").status_code == 200:
                        pending.remove(proc)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                raise AssertionError(f"not healthy in {timeout}s:\n{pending[0].output()}")
            if pending:
                time.sleep(0.1)


def stop(processes: Sequence[Process]) -> None:
    for proc in processes:
        if proc.process.poll() is None:
            proc.process.terminate()
    for proc in processes:
        try:
            proc.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.process.kill()
            proc.process.wait()


@dataclass
class Viewer:
    """One open event stream that reconnects the way a browser's EventSource does."""

    urls: Sequence[str]
    workshop_id: int
    token: str
    after: int
    seqs: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    connects: int = 0
    disconnected_at: float | None = None
    disconnects: list[float] = field(default_factory=list)
    reconnect_seconds: list[float] = field(default_factory=list)
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    # Seconds before reconnecting: the server's ``retry:`` hint, as EventSource honours it.
    retry: float = 3.0
    note_times: dict[str, float] = field(default_factory=dict)

    async def run(self, client: httpx.AsyncClient) -> None:
        attempt = 0
        while True:
            base = self.urls[attempt % len(self.urls)]
            attempt += 1
            try:
                await self._listen(client, base)
            except (httpx.HTTPError, OSError):
                pass
            if self.disconnected_at is None:
                self.disconnected_at = time.monotonic()
                self.disconnects.append(self.disconnected_at)
            await asyncio.sleep(self.retry)

    async def _listen(self, client: httpx.AsyncClient, base: str) -> None:
        url = f"{base}/api/v1/workshops/{self.workshop_id}/events"
        headers = {"Last-Event-ID": str(self.seqs[-1] if self.seqs else self.after)}
        async with client.stream(
            "GET", url, params={"token": self.token}, headers=headers
        ) as response:
            if response.status_code != 200:
                await response.aread()
                return
            fields: dict[str, str] = {}
            async for line in response.aiter_lines():
                if line.startswith("retry:"):
                    self.retry = int(line.partition(":")[2]) / 1000
                    self.connects += 1
                    if self.disconnected_at is not None:
                        self.reconnect_seconds.append(time.monotonic() - self.disconnected_at)
                        self.disconnected_at = None
                    self.opened.set()
                    continue
                if line.startswith(":"):
                    continue
                if line == "":
                    if "id" in fields:
                        self._take(int(fields["id"]), fields.get("event", ""), fields.get("data"))
                    fields = {}
                    continue
                name, _, value = line.partition(":")
                fields[name] = value[1:] if value.startswith(" ") else value

    def _take(self, seq: int, event: str, data: str | None) -> None:
        self.seqs.append(seq)
        if event == "note.created" and data:
            note_id = json.loads(data)["note"]["id"]
            self.notes.append(note_id)
            self.note_times.setdefault(note_id, time.monotonic())


async def post_note(
    client: httpx.AsyncClient,
    urls: Sequence[str],
    workshop_id: int,
    token: str,
    stage: str,
    group: str,
    text: str,
    deadline: float = 30,
) -> tuple[str, float]:
    """Post until acknowledged, retrying with the same id as a phone does; (id, time posted)."""
    note_id = str(uuid.uuid4())
    sent = time.monotonic()
    attempt = 0
    while time.monotonic() - sent < deadline:
        base = urls[attempt % len(urls)]
        attempt += 1
        with contextlib.suppress(httpx.HTTPError, OSError):
            response = await client.post(
                f"{base}/api/v1/workshops/{workshop_id}/notes",
                json={"id": note_id, "stage": stage, "text": text, "group": group},
                headers={"Authorization": f"Bearer {token}"},
            )
            if response.status_code in (200, 201):
                return note_id, sent
            if response.status_code < 500 and response.status_code != 429:
                raise AssertionError(f"note refused: {response.status_code} {response.text}")
        await asyncio.sleep(0.1)
    raise AssertionError(f"note {note_id} was never acknowledged")


def open_workshop(
    base: str, token: str, groups: Sequence[str] = ("1G",), verify: ssl.SSLContext | bool = True
) -> tuple[int, int]:
    """A KPT workshop with its first stage open; (workshop id, seq after opening)."""
    headers = {"Authorization": f"Bearer {token}"}
    created = httpx.post(
        f"{base}/api/v1/workshops",
        json={"title": "複数プロセス", "format": "kpt", "groups": list(groups)},
        headers=headers,
        timeout=30,
        verify=verify,
    )
    created.raise_for_status()
    workshop_id = created.json()["id"]
    opened = httpx.put(
        f"{base}/api/v1/workshops/{workshop_id}/current-stage",
        json={"stage": "keep"},
        headers=headers,
        timeout=30,
        verify=verify,
    )
    opened.raise_for_status()
    return workshop_id, opened.json()["seq"]


def staff_token(base: str, password: str, verify: ssl.SSLContext | bool = True) -> str:
    response = httpx.post(
        f"{base}/api/v1/token",
        data={"username": "admin", "password": password},
        timeout=30,
        verify=verify,
    )
    response.raise_for_status()
    return response.json()["access_token"]


async def wait_for(viewers: Sequence[Viewer], note_ids: set[str], timeout: float) -> None:
    """Until every viewer has seen every note in ``note_ids`` (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(note_ids <= set(viewer.notes) for viewer in viewers):
            return
        await asyncio.sleep(0.1)


def assert_exactly_once_in_order(
    viewers: Sequence[Viewer], expected_seqs: list[int], note_ids: set[str]
) -> None:
    """Every viewer got every event once, in seq order, and every acknowledged note once."""
    for n, viewer in enumerate(viewers):
        assert viewer.seqs == expected_seqs, (
            f"viewer {n}: missing {sorted(set(expected_seqs) - set(viewer.seqs))[:10]}, "
            f"duplicated {len(viewer.seqs) - len(set(viewer.seqs))}, after {viewer.connects} "
            "connections"
        )
        assert sorted(viewer.notes) == sorted(note_ids), f"viewer {n} notes differ"
