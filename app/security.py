"""Signed API tokens. Staff sessions live in ``domain.staff_sessions``, participant tokens in
``domain.participants``."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer


class Signer:
    def __init__(self, secret_key: str, *, max_age_seconds: int) -> None:
        self._api = URLSafeTimedSerializer(secret_key, salt="fusen.api-token")
        self.max_age_seconds = max_age_seconds

    def api_token(self, user_id: int, version: int = 0) -> str:
        """A token for the account, stamped with its token version: bumping it revokes them."""
        return self._api.dumps({"u": user_id, "v": version})

    def read_api_token(self, token: str) -> tuple[int, int] | None:
        """The account id and token version, or None for a forged or expired token."""
        return _claims(self._api, token, self.max_age_seconds)


def _claims(serializer: URLSafeTimedSerializer, value: str, max_age: int) -> tuple[int, int] | None:
    if not value or len(value) > 500:
        return None
    try:
        data: Any = serializer.loads(value, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, version = data.get("u"), data.get("v", 0)
    if not isinstance(user_id, int) or not isinstance(version, int):
        return None
    return user_id, version
