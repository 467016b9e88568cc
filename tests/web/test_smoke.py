from tests.factories import bearer, make_workshop, staff_token


def test_healthz_answers_ok_once_migrations_ran(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_created_workshop_has_a_join_code_and_urls(client):
    token = staff_token(client)
    created = make_workshop(client, token)
    assert len(created["join_code"]) == 8
    assert created["join_url"].endswith(f"/j/{created['join_code']}")
    snapshot = client.get(f"/api/v1/workshops/{created['id']}", headers=bearer(token)).json()
    assert [s["key"] for s in snapshot["stages"]] == ["strengths", "shared_issues", "hard_problems"]
