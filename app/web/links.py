"""Absolute links for QR codes and API answers, and download file names.

A join link must work on a phone, so it is never built from whatever ``Host`` a request
names: ``FUSEN_PUBLIC_URL`` when set; otherwise the request's host only when it is on the
allow-list (``FUSEN_ALLOWED_HOSTS`` and the LAN address) and is not loopback; otherwise this
computer's address on the venue's network. A facilitator who opened the board at
``http://localhost:8765`` thus gets ``http://192.168.…:8765/j/…`` in the QR codes, and a
request with ``Host: evil.example`` can never put that name into a link or a QR code.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request

from app import network
from app.models import Workshop


@dataclass(frozen=True)
class PublicBase:
    """The base URL phones are sent to, and whether a phone can be expected to reach it."""

    url: str
    # "configured" (FUSEN_PUBLIC_URL), "request" (an allowed host), "lan" (the network
    # address found for a loopback or unlisted host), "local" (nothing better known).
    source: str

    @property
    def reachable(self) -> bool:
        return self.source != "local"


def public_base(request: Request) -> PublicBase:
    """Decide once per request where join links and QR codes point; see the module docstring."""
    cached = request.scope.get("fusen.public_base")
    if isinstance(cached, PublicBase):
        return cached
    base = _public_base(request)
    request.scope["fusen.public_base"] = base
    return base


def _public_base(request: Request) -> PublicBase:
    settings = request.app.state.settings
    if settings.public_url:
        return PublicBase(settings.public_url.rstrip("/"), "configured")
    scheme = request.url.scheme
    host = (request.url.hostname or "").lower()
    port = request.url.port
    lan = settings.lan_address or network.lan_address()
    allowed = settings.allowed_host_names | ({lan} if lan else set())
    loopback = network.is_loopback(host)
    if host in allowed and not loopback:
        return PublicBase(_origin(scheme, host, port), "request")
    if not loopback and host not in allowed:
        # An unlisted name: the port it names is as untrusted as the name, so take the
        # address and port of the socket the request actually came in on.
        server = request.scope.get("server") or (None, None)
        port = server[1]
        if lan is None and server[0] and _is_network_ip(server[0]):
            return PublicBase(_origin(scheme, server[0], port), "lan")
        host = "localhost"
    if lan:
        return PublicBase(_origin(scheme, lan, port), "lan")
    return PublicBase(_origin(scheme, host, port), "local")


def _is_network_ip(value: str) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return not (address.is_loopback or address.is_unspecified)


def _origin(scheme: str, host: str, port: int | None) -> str:
    name = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{name}" if port in (None, default) else f"{scheme}://{name}:{port}"


def base_url(request: Request) -> str:
    return public_base(request).url


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
