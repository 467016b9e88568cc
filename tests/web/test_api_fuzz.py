"""schemathesis against the app's own OpenAPI document: whatever it sends, no server error.

Runs in process, with a bounded number of examples per operation so the suite stays fast.
The event stream is left out: with a valid token it streams until the client leaves.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.factories import make_workshop, open_stage, staff_token

EXAMPLES_PER_OPERATION = 30


def test_api_answers_every_generated_request_without_a_server_error(client):
    token = staff_token(client)
    workshop = make_workshop(client, token)
    open_stage(client, token, workshop["id"], "strengths")
    client.app.state.limits.notes.burst = 10_000
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    auth = {"Authorization": f"Bearer {token}"}
    errors: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith("/events"):
            continue
        tried += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers=auth)
            if response.status_code >= 500:
                errors.append(f"{case.method} {case.formatted_path}: {response.text[:300]}")

        run()
    assert tried >= 10
    assert not errors, "\n".join(errors[:20])
