"""A member's phone runs without the sorting scripts, and loads them once made recorder."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.browser


def test_member_phone_loads_sorting_only_when_made_recorder(live_server, api, workshop, phone):
    member = api.join(workshop["join_code"], "1G")
    phone.add_cookies(
        [{"name": f"fusen_p{workshop['id']}", "value": member["token"], "url": live_server.url}]
    )
    page = phone.new_page()
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(request.url))
    page.goto(f"{live_server.url}/w/{workshop['id']}/p")
    page.wait_for_selector("#conn[data-state=live]")
    assert not any("sortable" in url or "sorting.js" in url for url in loaded)
    assert page.evaluate("typeof window.Sortable") == "undefined"

    response = httpx.put(
        f"{live_server.url}/api/v1/workshops/{workshop['id']}/participants/"
        f"{member['participant_id']}/role",
        json={"role": "recorder"},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 200, response.text

    page.wait_for_selector("body.is-organiser")
    # Polled from here: wait_for_function evaluates a string, which the CSP forbids.
    for _ in range(50):
        if page.evaluate("typeof window.Sortable") == "function":
            break
        page.wait_for_timeout(100)
    assert page.evaluate("typeof window.Sortable") == "function"
    assert sum("sortable" in url for url in loaded) == 1
    assert sum("sorting.js" in url for url in loaded) == 1
