"""The secretariat's format editor; workshops keep the stages they were created with."""

from __future__ import annotations

from tests.factories import bearer, form_post, login, make_workshop, staff_token


def _rows(*stages: dict[str, str]) -> dict[str, list[str]]:
    fields = (
        "key",
        "label",
        "label_en",
        "prompt",
        "prompt_en",
        "kind",
        "scope",
        "limit",
        "draws_from",
    )
    defaults = {"kind": "post", "scope": "group"}
    return {
        f"stage_{name}": [{**defaults, **stage}.get(name, "") for stage in stages]
        for name in fields
    }


def test_admin_creates_a_format_that_the_api_lists_and_workshops_use(client):
    login(client)
    response = form_post(
        client,
        "/admin/formats",
        {
            "key": "town-talk",
            "name": "まちづくり",
            "name_en": "Town talk",
            **_rows(
                {"key": "wish", "label": "願い", "label_en": "Wishes", "limit": "3"},
                {"key": "pick", "label": "選ぶ", "kind": "select", "draws_from": "wish"},
                {},
            ),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    listed = client.get("/api/v1/formats").json()
    keys = [fmt["key"] for fmt in listed]
    assert keys[:3] == ["open-meeting", "kpt", "review"] and "town-talk" in keys
    token = staff_token(client)
    workshop = make_workshop(client, token, format="town-talk")
    snapshot = client.get(f"/api/v1/workshops/{workshop['id']}", headers=bearer(token)).json()
    assert [s["key"] for s in snapshot["stages"]] == ["wish", "pick"]


def test_editing_a_format_never_changes_a_past_workshop(client):
    login(client)
    form_post(
        client,
        "/admin/formats",
        {"key": "series", "name": "連続", **_rows({"key": "a", "label": "最初"})},
    )
    token = staff_token(client)
    past = make_workshop(client, token, format="series")
    page = client.get("/admin/formats")
    edit_url = next(
        line.split('href="')[1].split('"')[0]
        for line in page.text.splitlines()
        if "/admin/formats/" in line and "new" not in line
    )
    updated = form_post(
        client,
        edit_url,
        {"name": "連続2", **_rows({"key": "b", "label": "次"}, {"key": "c", "label": "最後"})},
        follow_redirects=False,
    )
    assert updated.status_code == 303
    old = client.get(f"/api/v1/workshops/{past['id']}", headers=bearer(token)).json()
    assert [s["key"] for s in old["stages"]] == ["a"]
    new = make_workshop(client, token, format="series")
    fresh = client.get(f"/api/v1/workshops/{new['id']}", headers=bearer(token)).json()
    assert [s["key"] for s in fresh["stages"]] == ["b", "c"]


def test_invalid_formats_are_refused_with_a_reason(client):
    login(client)
    cases = [
        ({"key": "kpt", "name": "x", **_rows({"key": "a", "label": "A"})}, 409),
        ({"key": "Bad Key", "name": "x", **_rows({"key": "a", "label": "A"})}, 422),
        ({"key": "ok", "name": "", **_rows({"key": "a", "label": "A"})}, 422),
        ({"key": "ok", "name": "x", **_rows({"key": "a", "label": "A", "draws_from": "z"})}, 422),
        ({"key": "ok", "name": "x", **_rows({"key": "a", "label": "A", "limit": "１"})}, 422),
        ({"key": "ok", "name": "x", **_rows({"key": "a", "label": "あ" * 300})}, 422),
        ({"key": "ok", "name": "x", **_rows({})}, 422),
    ]
    for data, status in cases:
        response = form_post(client, "/admin/formats", data)
        assert response.status_code == status, (data, response.text)
        assert "alert" in response.text
