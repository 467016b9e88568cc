"""The format editor and the report details in plain words, with rows added and removed in place
(here: the path without JavaScript, where the buttons submit and the form comes back)."""

from __future__ import annotations

from tests.factories import bearer, form_post, login, make_workshop, staff_token
from tests.html_tree import parse
from tests.web.test_format_editor import _rows

SEVEN = [{"key": f"s{i}", "label": f"段階{i}"} for i in range(7)]


def _values(page, name):
    """Values of the fields named ``name`` (the row template's blank copy is not a row)."""
    fields = page.find_all(lambda e: e.attrs.get("name") == name and not e.ancestor("template"))
    return [e.attrs.get("value", "") for e in fields]


def test_kinds_and_scopes_are_labelled_choices_with_one_line_each(client):
    login(client)
    client.headers["Accept-Language"] = "ja"
    page = parse(client.get("/admin/formats/new").text)
    kind = page.find(lambda e: e.attrs.get("name") == "stage_kind")
    options = {o.attrs["value"]: o.text() for o in kind.find_all(lambda e: e.tag == "option")}
    assert options == {
        "post": "付箋を書く",
        "select": "前の段階から選ぶ",
        "vote": "シール投票",
        "qa": "質疑応答",
        "feedback": "感想",
    }
    scope = page.find(lambda e: e.attrs.get("name") == "stage_scope")
    assert [o.text() for o in scope.find_all(lambda e: e.tag == "option")] == [
        "テーブルごと",
        "会場全体",
    ]
    explained = {dt.text() for dt in page.find_all(lambda e: e.tag == "dt")}
    assert {"付箋を書く", "質疑応答", "テーブルごと", "会場全体"} <= explained
    assert len(page.find_all(lambda e: e.tag == "dd")) == 7


def test_add_row_without_javascript_keeps_what_was_typed(client):
    login(client)
    typed = {
        "key": "town",
        "name": "まちづくり",
        "name_en": "",
        **_rows(*SEVEN[:3]),
        "rows": "add",
    }
    response = form_post(client, "/admin/formats", typed)
    assert response.status_code == 200
    page = parse(response.text)
    assert _values(page, "stage_key") == ["s0", "s1", "s2", ""]
    assert page.by_id("name").attrs["value"] == "まちづくり"
    # Nothing was saved yet.
    assert "town" not in [f["key"] for f in client.get("/api/v1/formats").json()]

    removed = form_post(client, "/admin/formats", {**typed, "rows": "", "remove_row": "1"})
    assert _values(parse(removed.text), "stage_key") == ["s0", "s2"]


def test_a_format_keeps_any_number_of_stages(client):
    login(client)
    saved = form_post(
        client,
        "/admin/formats",
        {"key": "long", "name": "長い", "name_en": "", **_rows(*SEVEN)},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    token = staff_token(client)
    workshop = make_workshop(client, token, format="long")
    snapshot = client.get(f"/api/v1/workshops/{workshop['id']}", headers=bearer(token)).json()
    assert [s["key"] for s in snapshot["stages"]] == [s["key"] for s in SEVEN]
    edit = client.get("/admin/formats").text
    link = next(
        e.attrs["href"]
        for e in parse(edit).find_all(lambda e: e.tag == "a")
        if e.attrs.get("href", "").startswith("/admin/formats/") and e.attrs["href"][-1].isdigit()
    )
    assert _values(parse(client.get(link).text), "stage_key") == [s["key"] for s in SEVEN]


def test_report_details_take_six_roles_and_add_rows_in_place(client):
    token = staff_token(client)
    workshop = make_workshop(client, token)
    login(client)
    url = f"/admin/workshops/{workshop['id']}/report"
    roles = [("presenter", f"団体{i}", f"名前{i}") for i in range(6)]
    form = {
        "title": "研究会",
        "role_role": [r for r, _, _ in roles],
        "role_organization": [o for _, o, _ in roles],
        "role_names": [n for _, _, n in roles],
    }
    added = form_post(client, url, {**form, "rows": "add"})
    assert added.status_code == 200
    assert _values(parse(added.text), "role_organization") == [o for _, o, _ in roles] + [""]
    saved = form_post(client, url, form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    page = parse(client.get(url).text)
    assert _values(page, "role_names")[:6] == [n for _, _, n in roles]
