"""Regenerate the README screenshots: the sample workshop on the board and on a phone.

.venv/bin/python docs/screenshots.py        (needs Chromium at /usr/bin/chromium)
.venv/bin/python docs/screenshots.py qr     (only the named ones: board, phone, qr)
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "open-meeting-2017.json"
PASSWORD = "screenshot-password"  # noqa: S105  (a throw-away server on loopback)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main(only: set[str]) -> None:
    wanted = only or {"board", "phone", "qr"}
    workdir = Path(tempfile.mkdtemp())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "FUSEN_DATABASE_URL": f"sqlite:///{workdir / 'shots.db'}",
        "FUSEN_ADMIN_PASSWORD": PASSWORD,
        "FUSEN_SECRET_KEY": "screenshot-secret-key-0123456789-abcdef",
        # A typical venue address, so the pictures show what a laptop on Wi-Fi shows.
        "FUSEN_LAN_ADDRESS": "192.168.1.23",
    }
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        workshop_id, phone_token = fill(url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            board = browser.new_context(viewport={"width": 1600, "height": 900}, locale="ja-JP")
            page = board.new_page()
            page.goto(f"{url}/login")
            page.fill("#username", "admin")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit].primary")
            if "qr" in wanted:
                page.set_viewport_size({"width": 900, "height": 1250})
                page.goto(f"{url}/w/{workshop_id}/qr")
                page.wait_for_function(
                    "[...document.querySelectorAll('img.qr-image')].every(i => i.naturalWidth)"
                )
                page.screenshot(path=str(ROOT / "docs" / "qr-cards.png"))
                page.set_viewport_size({"width": 1600, "height": 900})
            page.goto(f"{url}/w/{workshop_id}/board")
            page.wait_for_selector(".conn[data-state=live]")
            if "board" in wanted:
                page.screenshot(path=str(ROOT / "docs" / "board.png"))
            phone = browser.new_context(
                viewport={"width": 390, "height": 780}, locale="ja-JP", is_mobile=True
            )
            phone.add_cookies([{"name": f"fusen_p{workshop_id}", "value": phone_token, "url": url}])
            page = phone.new_page()
            page.goto(f"{url}/w/{workshop_id}/p")
            page.wait_for_selector(".conn[data-state=live]")
            page.fill("#note-text", "地域の居場所づくり")
            if "phone" in wanted:
                page.screenshot(path=str(ROOT / "docs" / "phone.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def sample_workshop(
    url: str, format_key: str
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """The 2017 sample's workshop created on ``format_key``: (sample, admin auth, created)."""
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    token = httpx.post(
        f"{url}/api/v1/token", data={"username": "admin", "password": PASSWORD}
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    created = httpx.post(
        f"{url}/api/v1/workshops",
        headers=auth,
        json={
            "title": sample["workshop"]["title"],
            "format": format_key,
            "groups": [g["name"] for g in sample["groups"]],
            "date": sample["workshop"]["date"],
            "venue": sample["workshop"]["venue"],
        },
    ).json()
    return sample, auth, created


def fill(url: str) -> tuple[int, str]:
    sample, auth, created = sample_workshop(url, "open-meeting")
    phone_token = ""
    for group in sample["groups"]:
        joined = httpx.post(
            f"{url}/api/v1/join",
            json={"code": created["join_code"], "group": group["name"], "name": "参加者"},
        ).json()
        phone_token = phone_token or joined["token"]
    for stage in ("strengths", "shared_issues"):
        httpx.put(
            f"{url}/api/v1/workshops/{created['id']}/current-stage",
            headers=auth,
            json={"stage": stage},
        )
        for group in sample["groups"]:
            for text in group["notes"][stage]:
                httpx.post(
                    f"{url}/api/v1/workshops/{created['id']}/notes",
                    headers=auth,
                    json={"stage": stage, "text": text, "group": group["name"]},
                )
    return created["id"], phone_token


if __name__ == "__main__":
    main(set(sys.argv[1:]))
