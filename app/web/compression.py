"""Compressed responses: brotli or gzip for pages, JSON and static files; event streams untouched.

A phone on venue Wi-Fi pays for every byte, and HTML of sticky notes compresses ten to forty
times. The middleware picks brotli when the client accepts it and the ``brotli`` package is
installed, gzip otherwise. Static files carry an ETag, so their compressed bytes are made once
(at the strongest setting) and kept; pages and JSON are compressed per response at a fast
setting. Event streams pass through byte for byte and message by message: compressing one
would need a flush per message for no gain, and a proxy or browser that buffers a compressed
stream would hold notes back.
"""

from __future__ import annotations

import gzip
import zlib
from collections import OrderedDict
from typing import Protocol

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

try:  # brotli is a pinned dependency, but a server without it still serves gzip
    import brotli
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    brotli = None

MIN_SIZE = 512
"""Below this, the headers cost more than compression saves."""

COMPRESSIBLE = (
    "text/html",
    "text/plain",
    "text/css",
    "text/csv",
    "text/markdown",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
)
NEVER = ("text/event-stream",)
CACHE_ENTRIES = 256


class _Compressor(Protocol):
    def compress(self, data: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


class _Gzip:
    def __init__(self, level: int) -> None:
        # wbits=31: a gzip container, which every browser accepts as "gzip".
        self._z = zlib.compressobj(level, zlib.DEFLATED, 31)

    def compress(self, data: bytes) -> bytes:
        return self._z.compress(data)

    def finish(self) -> bytes:
        return self._z.flush()


class _Brotli:
    def __init__(self, quality: int) -> None:
        self._c = brotli.Compressor(quality=quality)

    # brotli ships no type information: the annotated names state what it returns.
    def compress(self, data: bytes) -> bytes:
        out: bytes = self._c.process(data)
        return out

    def finish(self) -> bytes:
        out: bytes = self._c.finish()
        return out


def choose_encoding(accept_encoding: str) -> str | None:
    """The best encoding the client accepts: ``br``, then ``gzip``; ``None`` for identity."""
    accepted: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if name:
            accepted[name.strip()] = quality

    def ok(name: str) -> bool:
        return accepted.get(name, accepted.get("*", 0.0)) > 0

    if brotli is not None and ok("br"):
        return "br"
    if ok("gzip"):
        return "gzip"
    return None


def compress_whole(data: bytes, encoding: str, *, best: bool = False) -> bytes:
    if encoding == "br":
        out: bytes = brotli.compress(data, quality=11 if best else 5)
        return out
    return gzip.compress(data, compresslevel=9 if best else 6, mtime=0)


def _compressor(encoding: str) -> _Compressor:
    return _Brotli(5) if encoding == "br" else _Gzip(6)


def _compressible(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith(COMPRESSIBLE) and not media.startswith(NEVER)


class CompressionMiddleware:
    """Compress what is worth it; never touch an event stream or an already encoded body."""

    def __init__(self, app: ASGIApp, *, min_size: int = MIN_SIZE) -> None:
        self.app = app
        self.min_size = min_size
        # (ETag, path, encoding) → compressed bytes of an unchanged static file.
        self._static: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") == "HEAD":
            await self.app(scope, receive, send)
            return
        accept_encoding = ""
        for key, value in scope.get("headers", []):
            if key == b"accept-encoding":
                accept_encoding = value.decode("latin-1")
            elif key == b"accept" and value.startswith(b"text/event-stream"):
                # An EventSource: no wrapper at all on a path that carries every live message.
                await self.app(scope, receive, send)
                return
        encoding = choose_encoding(accept_encoding) if accept_encoding else None
        if encoding is None:
            await self.app(scope, receive, send)
            return
        await _Responder(self, scope, encoding, send).run(receive)

    def cached(self, key: tuple[str, str, str]) -> bytes | None:
        data = self._static.get(key)
        if data is not None:
            self._static.move_to_end(key)
        return data

    def keep(self, key: tuple[str, str, str], data: bytes) -> None:
        self._static[key] = data
        while len(self._static) > CACHE_ENTRIES:
            self._static.popitem(last=False)


class _Responder:
    """One response: decides at its start whether to pass through, compress whole or stream."""

    def __init__(
        self, owner: CompressionMiddleware, scope: Scope, encoding: str, send: Send
    ) -> None:
        self.owner = owner
        self.scope = scope
        self.encoding = encoding
        self.send = send
        self.start: Message = {}
        self.mode = "undecided"  # → "pass", "whole" or "stream"
        self.buffer: list[bytes] = []
        self.compressor: _Compressor | None = None

    async def run(self, receive: Receive) -> None:
        await self.owner.app(self.scope, receive, self.on_send)

    async def on_send(self, message: Message) -> None:
        if self.mode == "pass":
            await self.send(message)
            return
        if message["type"] == "http.response.start":
            self._decide_start(message)
            if self.mode == "pass":
                await self.send(message)
            else:
                self.start = message
            return
        if message["type"] != "http.response.body":
            await self.send(message)
            return
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        if self.mode == "whole":
            self.buffer.append(body)
            if more:
                return
            await self._send_whole(b"".join(self.buffer))
            return
        if self.mode == "undecided":
            # Static files are sent in chunks: keep them whole when an ETag allows caching.
            if not more:
                await self._send_whole(body)
                return
            if self._cache_key() is not None:
                self.mode = "whole"
                self.buffer.append(body)
                return
            await self._start_stream()
        compressor = self.compressor or _compressor(self.encoding)
        data = compressor.compress(body)
        if not more:
            data += compressor.finish()
        if data or not more:
            await self.send({"type": "http.response.body", "body": data, "more_body": more})

    def _decide_start(self, message: Message) -> None:
        headers = MutableHeaders(raw=message["headers"])
        content_type = headers.get("content-type", "")
        compressible = _compressible(content_type)
        if compressible and "vary" in headers:
            if "accept-encoding" not in headers["vary"].lower():
                headers["vary"] = headers["vary"] + ", Accept-Encoding"
        elif compressible:
            headers["vary"] = "Accept-Encoding"
        if (
            not compressible
            or message["status"] != 200
            or "content-encoding" in headers
            or "content-range" in headers
        ):
            self.mode = "pass"

    def _cache_key(self) -> tuple[str, str, str] | None:
        etag = MutableHeaders(raw=self.start["headers"]).get("etag")
        path = self.scope.get("path", "")
        if etag is None or not path.startswith("/static/"):
            return None
        return (etag, path, self.encoding)

    async def _send_whole(self, body: bytes) -> None:
        headers = MutableHeaders(raw=self.start["headers"])
        if len(body) < self.owner.min_size:
            await self.send(self.start)
            await self.send({"type": "http.response.body", "body": body})
            return
        key = self._cache_key()
        data = self.owner.cached(key) if key is not None else None
        if data is None:
            data = compress_whole(body, self.encoding, best=key is not None)
            if key is not None:
                self.owner.keep(key, data)
        headers["content-encoding"] = self.encoding
        headers["content-length"] = str(len(data))
        await self.send(self.start)
        await self.send({"type": "http.response.body", "body": data})

    async def _start_stream(self) -> None:
        self.mode = "stream"
        headers = MutableHeaders(raw=self.start["headers"])
        headers["content-encoding"] = self.encoding
        if "content-length" in headers:
            del headers["content-length"]
        self.compressor = _compressor(self.encoding)
        await self.send(self.start)
