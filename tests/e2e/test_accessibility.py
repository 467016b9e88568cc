"""axe-core over every page a facilitator, a secretariat or a participant meets: 0 violations.

axe-core is vendored (``tests/e2e/vendor``, MPL-2.0, from the npm package) and evaluated in
each page through the DevTools protocol, which the Content-Security-Policy does not govern, so
the pages are checked exactly as served. One browser, one server, every page in one test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.e2e.conftest import PHONE, Api

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text(encoding="utf-8")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""

# Every kind of stage, so the phone is checked in each.
STAGES = [
    {"key": "ideas", "label": "①イイトコロ", "kind": "post"},
    {"key": "pick", "label": "②難しいこと", "kind": "select", "draws_from": "ideas"},
    {"key": "dots", "label": "③投票", "kind": "vote", "draws_from": "ideas"},
    {"key": "qa", "label": "質疑応答", "kind": "qa", "scope": "plenary"},
    {"key": "feedback", "label": "感想", "kind": "feedback", "scope": "plenary"},
]


def _violations(page: Any, where: str) -> list[str]:
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}"
        for v in page.evaluate(RUN_AXE)
    ]


def _api(server: LiveServer, token: str, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(
        method, f"{server.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, **kwargs
    )
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def test_every_page_has_no_accessibility_violations(
    live_server: LiveServer, api: Api, facilitator: Any, new_context: Any
):
    url = live_server.url
    created = api.create_workshop(stages=STAGES, format=None, groups=["1G", "2G"])
    wid, code = created["id"], created["join_code"]
    api.open_stage(wid, "ideas")
    member = api.join(code, "1G")
    recorder = api.join(code, "1G")
    _api(
        live_server,
        api.token,
        "PUT",
        f"/workshops/{wid}/participants/{recorder['participant_id']}/role",
        json={"role": "recorder"},
    )
    notes = [
        _api(
            live_server,
            member["token"],
            "POST",
            f"/workshops/{wid}/notes",
            json={"stage": "ideas", "text": text},
        )
        for text in ("見守りの連携", "担当者の共通理解", "見守りの連携が大切")
    ]
    # A titled cluster, so cluster headings are checked on the phone and the board too.
    _api(
        live_server,
        api.token,
        "POST",
        f"/workshops/{wid}/clusters",
        json={"stage": "ideas", "group": "1G", "title": "連携", "notes": [notes[0]["id"]]},
    )
    question = _api(
        live_server,
        api.token,
        "POST",
        f"/workshops/{wid}/questions",
        json={"text": "連携のコツは？"},
    )
    _api(
        live_server,
        api.token,
        "POST",
        f"/workshops/{wid}/questions/{question['id']}/answers",
        json={"organization": "守谷市", "text": "担当制度"},
    )
    _api(
        live_server,
        api.token,
        "POST",
        f"/workshops/{wid}/comments",
        json={"role": "advisor", "name": "鈴木", "text": "講評"},
    )
    found: list[str] = []

    staff = facilitator.new_page()
    for path in (
        "/admin",
        f"/admin/workshops/{wid}",
        f"/w/{wid}/board",
        f"/w/{wid}/qr",
        "/admin/reports",
        f"/admin/workshops/{wid}/report",
        f"/admin/workshops/{wid}/records",
        "/admin/formats",
        "/admin/formats/new",
        f"/admin/workshops/{wid}/close",
    ):
        staff.goto(url + path)
        found += _violations(staff, path)

    visitor = new_context(**PHONE).new_page()
    for path in ("/", "/join?code=WRONG-CODE", f"/j/{code}"):
        visitor.goto(url + path)
        found += _violations(visitor, path)

    phones = {}
    for role, joined in (("member", member), ("recorder", recorder)):
        context = new_context(**PHONE)
        context.add_cookies([{"name": f"fusen_p{wid}", "value": joined["token"], "url": url}])
        phones[role] = context.new_page()
    for stage in STAGES:
        api.open_stage(wid, stage["key"])
        for role, phone in phones.items():
            phone.goto(f"{url}/w/{wid}/p")
            phone.wait_for_selector("#conn[data-state=live]")
            found += _violations(phone, f"phone ({role}, {stage['kind']})")
        staff.goto(f"{url}/w/{wid}/board")
        found += _violations(staff, f"board ({stage['kind']})")

    assert not found, "axe-core found accessibility problems:\n" + "\n".join(found)
