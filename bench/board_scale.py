"""The board at venue scale: a 10-group workshop filled to 100 and then 1,000 notes.

Starts Fusen and a bare FastAPI + SQLite insert app (``bare_apps.insert_app``) on one core, this
client on the other, and prints at each size:

- board (and projector wall, where the server has one) and phone page: bytes raw, gzip and
  brotli as served, and the median time to serve;
- a phone's first load: the page plus every script, style sheet and icon it names, as
  compressed bytes on the wire;
- bytes per ``note.created`` on an open board stream and on a phone stream;
- server CPU per note while a board, a wall and a phone stream are open (the POST and the
  patches drawn for them), beside the POST's own CPU;
- the API snapshot's median time;
- ``POST /api/v1/workshops/{id}/notes`` p50 next to the bare insert's p50, posted alternately
  in the same run, and their ratio.

    .venv/bin/python bench/board_scale.py
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import brotli
import httpx
from servers import PASSWORD, machine, percentile, pin_client, staff_token, start_bare, start_fusen

GROUPS = [f"{n}G" for n in range(1, 11)]
STAGE = "shared_issues"
TEXT = "駐車場が足りず送迎の手配が課題 {n}"  # ~20 characters, like a real note
STREAMED_POSTS = 30  # notes timed for server CPU with streams open


class Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.csrf = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.urls.append(values["src"] or "")
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"] or "")
        if tag == "body" and values.get("hx-headers"):
            self.csrf = json.loads(values["hx-headers"] or "{}").get("X-CSRF-Token", "")


def parse(html: str) -> Assets:
    assets = Assets()
    assets.feed(html)
    return assets


@dataclass
class Fetched:
    status_code: int
    wire: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise SystemExit(f"HTTP {self.status_code}")


def wire_bytes(client: httpx.Client, url: str, encoding: str) -> tuple[int, Fetched]:
    """Bytes of the body as sent, for an Accept-Encoding, and the body decoded."""
    with client.stream("GET", url, headers={"Accept-Encoding": encoding}) as response:
        raw = b"".join(response.iter_raw())
        used = response.headers.get("content-encoding", "")
        status = response.status_code
    content = raw
    if used == "gzip":
        content = gzip.decompress(raw)
    elif used == "br":
        content = brotli.decompress(raw)
    return len(raw), Fetched(status, len(raw), content)


def page_figures(client: httpx.Client, url: str, runs: int = 2) -> dict | None:
    size, response = wire_bytes(client, url, "identity")
    if response.status_code == 404:
        return None
    response.raise_for_status()
    times, br = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        br = wire_bytes(client, url, "br")[0]
        times.append((time.perf_counter() - started) * 1000)
    return {
        "raw": size,
        "gzip": wire_bytes(client, url, "gzip")[0],
        "br": br,
        "ms": statistics.median(times),
        "html": response.text,
    }


def first_load(client: httpx.Client, url: str) -> dict:
    """A phone's first visit with an empty cache: the page and everything it names."""
    page, response = wire_bytes(client, url, "gzip, deflate, br")
    raw_page = len(response.content)
    total, raw_total = page, raw_page
    for asset in parse(response.text).urls:
        size, asset_response = wire_bytes(client, asset, "gzip, deflate, br")
        total += size
        raw_total += len(asset_response.content)
    return {"compressed": total, "raw": raw_total}


class StreamMeter:
    """Counts the bytes an open event stream receives, to price one event."""

    def __init__(self, client: httpx.Client, url: str) -> None:
        self.bytes = 0
        self.last = 0.0
        self.open = threading.Event()
        self._client = client
        self._url = url
        self._stop = False
        self._response: httpx.Response | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self.open.wait(30):
            raise SystemExit(f"stream {url} did not open")

    def _run(self) -> None:
        try:
            self._read()
        except (httpx.HTTPError, RuntimeError, AttributeError):
            pass  # hung up by close(), or the server stopped at the end of the run

    def close(self) -> None:
        """Hang up, so the server stops rendering for this stream."""
        self._stop = True
        if self._response is not None:
            self._response.close()

    def _read(self) -> None:
        with self._client.stream(
            "GET", self._url, headers={"Accept-Encoding": "identity"}, timeout=None
        ) as response:
            self._response = response
            for chunk in response.iter_raw():
                if not self.open.is_set():
                    self.open.set()
                    continue
                self.bytes += len(chunk)
                self.last = time.perf_counter()
                if self._stop:
                    return

    def arrived(self, limit: float = 60) -> None:
        """Wait until the stream received bytes since ``last`` was reset."""
        deadline = time.perf_counter() + limit
        while not self.last and time.perf_counter() < deadline:
            time.sleep(0.001)

    def settle(self, quiet: float = 0.5, limit: float = 180) -> None:
        """Wait until the stream has been quiet for ``quiet`` seconds after receiving bytes."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            if self.last and time.perf_counter() - self.last > quiet:
                return
            time.sleep(0.05)


def sign_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=120)
    token = parse(client.get("/").text).csrf
    response = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": token, "next": "/admin"},
        follow_redirects=False,
    )
    if response.status_code != 303:
        raise SystemExit(f"sign-in failed: {response.status_code}")
    return client


def post_fusen(api: httpx.Client, workshop_id: int, n: int) -> float:
    body = {"stage": STAGE, "text": TEXT.format(n=n), "group": GROUPS[n % 10]}
    body["id"] = str(uuid.uuid4())
    started = time.perf_counter()
    api.post(f"/api/v1/workshops/{workshop_id}/notes", json=body).raise_for_status()
    return (time.perf_counter() - started) * 1000


def post_bare(bare: httpx.Client, n: int) -> float:
    body = {"stage": STAGE, "text": TEXT.format(n=n), "group": GROUPS[n % 10]}
    body["id"] = str(uuid.uuid4())
    started = time.perf_counter()
    bare.post("/notes", json=body).raise_for_status()
    return (time.perf_counter() - started) * 1000


def per_event(meter: StreamMeter, post) -> float:  # type: ignore[no-untyped-def]
    sizes = []
    for _ in range(3):
        meter.settle()
        before = meter.bytes
        meter.last = 0.0
        post()
        meter.settle()
        sizes.append(meter.bytes - before)
    return statistics.median(sizes)


def run(sizes: list[int], posts: int) -> list[dict]:
    placement = pin_client()
    print(f"machine: {machine()}\n{placement}")
    workdir = Path(tempfile.mkdtemp(prefix="fusen-scale-"))
    fusen = start_fusen(workdir, FUSEN_NOTES_BURST="100000", FUSEN_NOTES_PER_MINUTE="100000")
    bare_server = start_bare(workdir, "insert_app")
    results = []
    try:
        token = staff_token(fusen.url)
        api = httpx.Client(
            base_url=fusen.url, timeout=120, headers={"Authorization": f"Bearer {token}"}
        )
        bare = httpx.Client(base_url=bare_server.url, timeout=60)
        created = api.post(
            "/api/v1/workshops", json={"title": "規模", "format": "open-meeting", "groups": GROUPS}
        ).json()
        workshop_id = created["id"]
        api.put(f"/api/v1/workshops/{workshop_id}/current-stage", json={"stage": STAGE})
        member = api.post("/api/v1/join", json={"code": created["join_code"], "group": "1G"})
        phone = httpx.Client(base_url=fusen.url, timeout=120)
        phone.cookies.set(f"fusen_p{workshop_id}", member.json()["token"])
        staff = sign_in(fusen.url)
        posted = 0
        for size in sizes:
            while posted < size:
                post_fusen(api, workshop_id, posted)
                posted += 1
            board = page_figures(staff, f"/w/{workshop_id}/board")
            wall = page_figures(staff, f"/w/{workshop_id}/wall")
            phone_page = page_figures(phone, f"/w/{workshop_id}/p")
            load = first_load(phone, f"/w/{workshop_id}/p")
            snapshot_ms = []
            cpu_before = fusen.cpu_seconds()
            for _ in range(7):
                started = time.perf_counter()
                api.get(f"/api/v1/workshops/{workshop_id}").raise_for_status()
                snapshot_ms.append((time.perf_counter() - started) * 1000)
            snapshot_cpu = (fusen.cpu_seconds() - cpu_before) / 7 * 1000

            # Timed with no stream open: the write path alone, as the bare app is.
            fusen_ms, bare_ms = [], []
            fusen_cpu = bare_cpu = 0.0
            for _ in range(posts):
                before = fusen.cpu_seconds()
                fusen_ms.append(post_fusen(api, workshop_id, posted))
                fusen_cpu += fusen.cpu_seconds() - before
                before = bare_server.cpu_seconds()
                bare_ms.append(post_bare(bare, posted))
                bare_cpu += bare_server.cpu_seconds() - before
                posted += 1
            stream_notes = posted
            board_meter = StreamMeter(staff, f"{fusen.url}/w/{workshop_id}/board/stream")
            phone_meter = StreamMeter(phone, f"{fusen.url}/w/{workshop_id}/p/stream")

            def one_for_1g() -> None:
                body = {"stage": STAGE, "text": "計測用の付箋", "group": "1G"}
                api.post(f"/api/v1/workshops/{workshop_id}/notes", json=body).raise_for_status()

            board_event = per_event(board_meter, one_for_1g)
            phone_event = per_event(phone_meter, one_for_1g)
            posted += 6
            # Server CPU for one note while a board, a wall and a phone stream are open: its
            # POST and drawing it once for each audience (the POST alone is post_cpu_ms).
            wall_meter = StreamMeter(staff, f"{fusen.url}/w/{workshop_id}/wall/stream")
            meters = (board_meter, phone_meter, wall_meter)
            streamed_cpu = 0.0
            for _ in range(STREAMED_POSTS):
                for meter in meters:
                    meter.settle()
                    meter.last = 0.0
                before = fusen.cpu_seconds()
                one_for_1g()
                # Read the CPU as soon as all three received the note: waiting for them to go
                # quiet first counted the hub's idle polls and grant checks too.
                for meter in meters:
                    meter.arrived()
                streamed_cpu += fusen.cpu_seconds() - before
            posted += STREAMED_POSTS
            for meter in meters:
                meter.close()

            result = {
                "notes": size,
                "board": {k: v for k, v in board.items() if k != "html"} if board else None,
                "wall": {k: v for k, v in wall.items() if k != "html"} if wall else None,
                "phone": {k: v for k, v in phone_page.items() if k != "html"}
                if phone_page
                else None,
                "phone_first_load": load,
                "stream_notes": stream_notes,
                "board_bytes_per_note": board_event,
                "phone_bytes_per_note": phone_event,
                "snapshot_ms": statistics.median(snapshot_ms),
                "snapshot_cpu_ms": snapshot_cpu,
                "post_cpu_ms": fusen_cpu / posts * 1000,
                "streamed_cpu_ms": streamed_cpu / STREAMED_POSTS * 1000,
                "bare_cpu_ms": bare_cpu / posts * 1000,
                "post_p50_ms": percentile(fusen_ms, 50),
                "bare_p50_ms": percentile(bare_ms, 50),
                "post_p90_ms": percentile(fusen_ms, 90),
                "bare_p90_ms": percentile(bare_ms, 90),
            }
            results.append(result)
            report(result)
    finally:
        fusen.stop()
        bare_server.stop()
    return results


def kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def report(r: dict) -> None:
    print(f"\n== {r['notes']} notes (10 groups) ==")
    for name in ("board", "wall", "phone"):
        page = r[name]
        if page is None:
            print(f"{name:>6} page: not served by this version")
            continue
        print(
            f"{name:>6} page: {kb(page['raw'])} raw, {kb(page['gzip'])} gzip, "
            f"{kb(page['br'])} brotli; {page['ms']:.0f} ms median"
        )
    load = r["phone_first_load"]
    print(
        f" phone first load with all assets: {kb(load['compressed'])} on the wire "
        f"({kb(load['raw'])} uncompressed)"
    )
    print(
        f" bytes per note.created at {r['stream_notes']} notes: board stream "
        f"{r['board_bytes_per_note']:.0f}, phone stream {r['phone_bytes_per_note']:.0f}"
    )
    print(
        f" API snapshot: {r['snapshot_ms']:.0f} ms median, "
        f"{r['snapshot_cpu_ms']:.0f} ms of server CPU each"
    )
    print(
        f" POST note p50 {r['post_p50_ms']:.1f} ms vs bare insert {r['bare_p50_ms']:.1f} ms "
        f"= {r['post_p50_ms'] / r['bare_p50_ms']:.2f}x (p90 {r['post_p90_ms']:.1f} vs "
        f"{r['bare_p90_ms']:.1f} ms)",
        flush=True,
    )
    print(
        f" server CPU per POST: {r['post_cpu_ms']:.2f} ms vs bare {r['bare_cpu_ms']:.2f} ms "
        f"= {r['post_cpu_ms'] / max(r['bare_cpu_ms'], 1e-9):.2f}x",
        flush=True,
    )
    print(
        f" server CPU per note with a board, a wall and a phone stream open: "
        f"{r['streamed_cpu_ms']:.2f} ms (its POST alone: {r['post_cpu_ms']:.2f} ms)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--posts", type=int, default=200, help="POSTs timed at each size")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results = run(args.sizes, args.posts)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
