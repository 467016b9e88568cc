"""Static files: a ``?v=`` URL names one version of a file forever, so browsers keep it a year.

``static_url()`` puts a hash of the file's bytes in ``?v=``; a changed file gets a new URL, so a
phone never needs to ask again whether the old one is still fresh. A request without ``v`` (or
with a hash that is not the file's) is revalidated as before.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from app import templating

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class VersionedStaticFiles(StaticFiles):
    """StaticFiles that marks a request for the file's current version as immutable."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            version = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
            current = version != "" and version == templating.static_version(path)
            response.headers["cache-control"] = IMMUTABLE if current else REVALIDATE
        return response
