"""A 50,000-note archive imported while another workshop keeps posting; prints the waits.

Starts the real server (uvicorn, SQLite) in a subprocess, imports ``--notes`` notes through the
API while one participant after another of another workshop posts a note every 50 ms, and
prints how long the import took and the p50/p99/max of those posts.

    .venv/bin/python bench/import_under_load.py --notes 50000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fanout import PASSWORD, start_server  # noqa: E402
from tests.web.import_load import big_archive, p99, post_while_importing  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=50_000)
    args = parser.parse_args()
    raw = big_archive(args.notes)
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_server(Path(tmp))
        try:
            token = httpx.post(
                f"{url}/api/v1/token", data={"username": "admin", "password": PASSWORD}
            ).json()["access_token"]
            started = time.monotonic()
            run = post_while_importing(url, token, raw)
            took = time.monotonic() - started
        finally:
            process.terminate()
            process.wait(10)
    waits = run.waits
    print(f"archive: {args.notes:,} notes, {len(raw) / 1e6:.1f} MB -> {run.imported.status_code}")
    print(f"import with the other workshop posting: {took:.1f} s")
    print(
        f"other workshop's posts: {len(waits)}, p50 {statistics.median(waits) * 1000:.0f} ms, "
        f"p99 {p99(waits) * 1000:.0f} ms, max {max(waits) * 1000:.0f} ms"
    )
    for wait, offset in sorted(zip(waits, run.offsets, strict=True), reverse=True)[:5]:
        print(f"  {wait * 1000:.0f} ms, posted {offset:+.1f} s after the import began")


if __name__ == "__main__":
    main()
