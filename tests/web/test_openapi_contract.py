"""The OpenAPI document keeps every path, method and field it ever published.

``tests/fixtures/openapi-contract.json`` records, for each path and method, the parameter
names, the request-body fields and the response fields, every schema resolved through its
``$ref``. Schema component names are left out on purpose: they are an internal spelling
that may change, while the JSON a client sends and reads may not. New paths and fields are
welcome; one that disappears fails here.

After adding to the API on purpose, refresh the record with
``python -m tests.web.test_openapi_contract``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from app.main import create_app
from app.settings import Settings

FIXTURE = Path(__file__).parent.parent / "fixtures" / "openapi-contract.json"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _fields(
    doc: dict[str, Any], schema: dict[str, Any], prefix: str, seen: frozenset[str]
) -> set[str]:
    """Dotted field names reachable from a schema; ``[]`` marks a list, a cycle stops once."""
    ref = schema.get("$ref")
    if ref is not None:
        if ref in seen:
            return set()
        name = ref.rsplit("/", 1)[-1]
        return _fields(doc, doc["components"]["schemas"][name], prefix, seen | {ref})
    found: set[str] = set()
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, []):
            found |= _fields(doc, part, prefix, seen)
    if "items" in schema:
        found |= _fields(doc, schema["items"], prefix + "[]", seen)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        found |= _fields(doc, extra, prefix + "{}", seen)
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        found.add(path)
        found |= _fields(doc, sub, path, seen)
    return found


def _content_fields(doc: dict[str, Any], content: dict[str, Any]) -> dict[str, list[str]]:
    return {
        media: sorted(_fields(doc, body.get("schema", {}), "", frozenset()))
        for media, body in content.items()
    }


def contract(doc: dict[str, Any]) -> dict[str, Any]:
    """What a client relies on, per ``"METHOD path"``."""
    result: dict[str, Any] = {}
    for path, item in doc["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = operation.get("parameters", []) + item.get("parameters", [])
            result[f"{method.upper()} {path}"] = {
                "parameters": sorted(f"{p['in']}:{p['name']}" for p in parameters),
                "request": _content_fields(
                    doc, operation.get("requestBody", {}).get("content", {})
                ),
                "responses": {
                    code: _content_fields(doc, response.get("content", {}))
                    for code, response in operation.get("responses", {}).items()
                },
            }
    return result


def _document() -> dict[str, Any]:
    # Building the app opens no connection; the file is never created.
    url = f"sqlite:///{tempfile.gettempdir()}/fusen-openapi-contract.db"
    settings = Settings(database_url=url, secret_key="x" * 40)
    return create_app(settings, wait_until_ready=False).openapi()


def _missing(recorded: Any, current: Any, where: str) -> list[str]:
    """Everything in ``recorded`` that ``current`` no longer has."""
    if isinstance(recorded, dict):
        if not isinstance(current, dict):
            return [where]
        lost: list[str] = []
        for key, value in recorded.items():
            if key not in current:
                lost.append(f"{where} {key}".strip())
            else:
                lost += _missing(value, current[key], f"{where} {key}".strip())
        return lost
    return [f"{where}: {item}" for item in recorded if item not in current]


def test_every_recorded_path_method_and_field_is_still_published() -> None:
    recorded = json.loads(FIXTURE.read_text(encoding="utf-8"))
    lost = _missing(recorded, contract(_document()), "")
    assert lost == [], "gone from the OpenAPI document:\n" + "\n".join(lost)


def test_the_record_is_not_empty() -> None:
    """A record that lost its content would let everything disappear unnoticed."""
    recorded = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert "POST /api/v1/workshops/{workshop_id}/notes" in recorded
    assert (
        "text"
        in recorded["POST /api/v1/workshops/{workshop_id}/notes"]["request"]["application/json"]
    )
    assert len(recorded) > 40


if __name__ == "__main__":
    FIXTURE.write_text(
        json.dumps(contract(_document()), indent=1, ensure_ascii=False, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    sys.stdout.write(f"wrote {FIXTURE}\n")
