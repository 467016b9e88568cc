"""An archive of many notes, and another workshop posting while it is imported (also bench/)."""

from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import dataclass

import httpx


def big_archive(notes: int, *, title: str = "大きな記録") -> bytes:
    """A closed workshop's archive with ``notes`` notes spread over two groups and two stages."""
    return json.dumps(
        {
            "kind": "fusen-workshop-archive",
            "version": 1,
            "workshop": {"title": title, "status": "closed"},
            "stages": [{"key": "one", "label": "①"}, {"key": "two", "label": "②"}],
            "groups": ["1G", "2G"],
            "notes": [
                {
                    "ref": f"n{i}",
                    "stage": "one" if i % 3 else "two",
                    "group": "1G" if i % 2 else "2G",
                    "text": f"地域で支え合う仕組みづくりの意見 その{i}",
                }
                for i in range(notes)
            ],
        },
        ensure_ascii=False,
    ).encode()


@dataclass(frozen=True)
class ImportRun:
    imported: httpx.Response
    # Seconds each of the other workshop's posts took, and when each started (offset from the
    # start of the import), to tell which part of an import made someone wait.
    waits: list[float]
    offsets: list[float]


def post_while_importing(url: str, staff: str, raw: bytes) -> ImportRun:
    """Import ``raw`` while participants of another workshop post a note every 50 ms."""
    headers = {"Authorization": f"Bearer {staff}"}
    other = httpx.post(
        f"{url}/api/v1/workshops",
        json={"title": "隣の会場", "format": "kpt", "groups": ["1G"]},
        headers=headers,
    ).json()
    httpx.put(
        f"{url}/api/v1/workshops/{other['id']}/current-stage",
        json={"stage": "keep"},
        headers=headers,
    ).raise_for_status()
    # Several phones take turns, so no one of them meets the per-participant rate limit.
    phones = [
        httpx.post(f"{url}/api/v1/join", json={"code": other["join_code"], "group": "1G"}).json()[
            "token"
        ]
        for _ in range(40)
    ]
    waits: list[float] = []
    # When each post started, for a bench to tell which part of an import made someone wait.
    started_at: list[float] = []
    failures: list[str] = []
    done = threading.Event()

    def keep_posting() -> None:
        with httpx.Client(timeout=30) as http:
            n = 0
            while not done.is_set():
                started = time.monotonic()
                response = http.post(
                    f"{url}/api/v1/workshops/{other['id']}/notes",
                    json={"stage": "keep", "text": f"隣の付箋{n}"},
                    headers={"Authorization": f"Bearer {phones[n % len(phones)]}"},
                )
                waits.append(time.monotonic() - started)
                started_at.append(started)
                if response.status_code != 201:
                    failures.append(f"{response.status_code} {response.text}")
                    break
                # Taken down again, so a long run stays under the workshop's note caps.
                http.delete(
                    f"{url}/api/v1/workshops/{other['id']}/notes/{response.json()['id']}",
                    headers={"Authorization": f"Bearer {phones[n % len(phones)]}"},
                )
                n += 1
                time.sleep(0.05)

    poster = threading.Thread(target=keep_posting, daemon=True)
    poster.start()
    time.sleep(0.3)
    import_started = time.monotonic()
    try:
        imported = httpx.post(
            f"{url}/api/v1/workshops/import", content=raw, headers=headers, timeout=3600
        )
    finally:
        done.set()
        poster.join(30)
    assert not failures, failures[:3]
    return ImportRun(imported, waits, [at - import_started for at in started_at])


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return max(values, default=0.0)
    return statistics.quantiles(values, n=100, method="inclusive")[98]
