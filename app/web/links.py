"""Absolute links for QR codes and API answers, and download file names."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import Request

from app.models import Workshop


def base_url(request: Request) -> str:
    configured = request.app.state.settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def absolute(request: Request, name: str, **params: Any) -> str:
    path = request.app.url_path_for(name, **{k: str(v) for k, v in params.items()})
    return base_url(request) + str(path)


def join_url(request: Request, workshop: Workshop, group_id: int | None = None) -> str:
    url = absolute(request, "participant:join", code=workshop.join_code)
    return f"{url}?g={group_id}" if group_id is not None else url


def download_name(workshop: Workshop, extension: str) -> str:
    """``2017-09-13_タイトル.ext``: sorts by date in a folder and keeps the Japanese title."""
    title = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", workshop.title).strip(" ._")[:80] or "workshop"
    prefix = workshop.date.isoformat() + "_" if workshop.date else ""
    return f"{prefix}{title}.{extension}"


def download_disposition(workshop: Workshop, extension: str) -> str:
    name = download_name(workshop, extension)
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
