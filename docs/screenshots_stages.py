"""Regenerate the screenshots of the format editor and of a Q&A stage on the board and a phone.

.venv/bin/python docs/screenshots_stages.py        (needs Chromium at /usr/bin/chromium)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright
from screenshots import ARGS, PASSWORD, sample_workshop  # the sibling script (run from docs/)

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    workdir = Path(tempfile.mkdtemp())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "FUSEN_DATABASE_URL": f"sqlite:///{workdir / 'shots.db'}",
        "FUSEN_ADMIN_PASSWORD": PASSWORD,
        "FUSEN_SECRET_KEY": "screenshot-secret-key-0123456789-abcdef",
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
        for _ in range(600):
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        workshop_id, phone_token = fill(url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            desk = browser.new_context(viewport={"width": 1600, "height": 900}, locale="ja-JP")
            page = desk.new_page()
            page.goto(f"{url}/login")
            page.fill("#username", "admin")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_url(f"{url}/admin")
            page.goto(f"{url}/w/{workshop_id}/board")
            page.wait_for_selector(".conn[data-state=live]")
            page.screenshot(path=str(ROOT / "docs" / "board-qa.png"))
            editor(page, url)
            phone = browser.new_context(
                viewport={"width": 390, "height": 780}, locale="ja-JP", is_mobile=True
            )
            phone.add_cookies([{"name": f"fusen_p{workshop_id}", "value": phone_token, "url": url}])
            page = phone.new_page()
            page.goto(f"{url}/w/{workshop_id}/p")
            page.wait_for_selector(".conn[data-state=live]")
            page.fill("#question-text", "計画づくりで住民の声をどう集めましたか？")
            page.click("#phone-records button[type=submit]")
            page.wait_for_selector("[data-testid=sent-confirmation]")
            page.screenshot(path=str(ROOT / "docs" / "phone-qa.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def editor(page, url: str) -> None:
    """The new-format page with the whole open-meeting programme typed in."""
    page.set_viewport_size({"width": 1600, "height": 1100})
    page.goto(f"{url}/admin/formats/new")
    page.fill("#key", "town-meeting")
    page.fill("#name", "まちづくり懇談会")
    rows = [
        ("wish", "①地域のイイトコロ", "post", "group", ""),
        ("issues", "②共通する課題", "post", "group", ""),
        ("hard", "③難しそうなこと", "select", "group", "issues"),
        ("qa", "質疑応答", "qa", "plenary", ""),
        ("feedback", "感想", "feedback", "plenary", ""),
    ]
    for index, (key, label, kind, scope, source) in enumerate(rows):
        if index >= page.locator("tbody tr[data-row]").count():
            page.click("[data-add-row]")
        row = page.locator("tbody tr[data-row]").nth(index)
        row.locator("input[name=stage_key]").fill(key)
        row.locator("input[name=stage_label]").fill(label)
        row.locator("select[name=stage_kind]").select_option(kind)
        row.locator("select[name=stage_scope]").select_option(scope)
        row.locator("input[name=stage_draws_from]").fill(source)
    page.screenshot(path=str(ROOT / "docs" / "format-editor.png"), full_page=True)


def fill(url: str) -> tuple[int, str]:
    """The sample workshop, run on the whole-programme format up to its Q&A."""
    sample, auth, created = sample_workshop(url, "open-meeting-full")
    wid = created["id"]
    httpx.put(f"{url}/api/v1/workshops/{wid}/current-stage", headers=auth, json={"stage": "qa"})
    phone_token = ""
    for item, group in zip(sample["qa"], sample["groups"], strict=False):
        joined = httpx.post(
            f"{url}/api/v1/join",
            json={
                "code": created["join_code"],
                "group": group["name"],
                "name": "参加者",
                "organization": "笠間市社協",
            },
        ).json()
        phone_token = phone_token or joined["token"]
        asked = httpx.post(
            f"{url}/api/v1/workshops/{wid}/questions",
            headers={"Authorization": f"Bearer {joined['token']}"},
            json={"text": item["question"]},
        ).json()
        for answer in item["answers"]:
            httpx.post(
                f"{url}/api/v1/workshops/{wid}/questions/{asked['id']}/answers",
                headers=auth,
                json=answer,
            )
    return wid, phone_token


if __name__ == "__main__":
    main()
