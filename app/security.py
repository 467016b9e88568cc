"""Signed API tokens. Staff sessions live in ``domain.staff_sessions``, participant tokens in
``domain.participants``."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer


class Signer:
    def __init__(self, secret_key: str, *, max_age_seconds: int) -> None:
        self._api = URLSafeTimedSerializer(secret_key, salt="fusen.api-token")
        self.max_age_seconds = max_age_seconds

    def api_token(self, user_id: int) -> str:
        return self._api.dumps({"u": user_id})

    def read_api_token(self, token: str) -> int | None:
        return _user_id(self._api, token, self.max_age_seconds)


def _user_id(serializer: URLSafeTimedSerializer, value: str, max_age: int) -> int | None:
    if not value or len(value) > 500:
        return None
    try:
        data: Any = serializer.loads(value, max_age=max_age)
    except BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return user_id if isinstance(user_id, int) else None
