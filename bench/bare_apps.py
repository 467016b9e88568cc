"""The two yardsticks the benchmarks start beside Fusen, in the same run on the same machine.

``insert_app``: a bare FastAPI endpoint doing the durable part of posting a note with the
standard library's sqlite3 — WAL, ``synchronous=FULL``, ``BEGIN IMMEDIATE``, the next seq
(``UPDATE … RETURNING``), one note row, one event row, one commit — and answering with the note.

``broadcast_app``: a bare Starlette broadcast. ``POST /notes`` frames the note once as SSE bytes
and puts the same bytes on every listener's ``asyncio.Queue``; ``GET /events`` streams them.
No database, no rendering, no authentication: the floor for fan-out on this machine.

    uvicorn --app-dir bench bare_apps:insert_app      (BARE_DB=/tmp/bare.db)
    uvicorn --app-dir bench bare_apps:broadcast_app
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fastapi import FastAPI, status
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

SCHEMA = """
CREATE TABLE IF NOT EXISTS workshop (id INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS note (
    id TEXT PRIMARY KEY, workshop_id INTEGER NOT NULL, group_name TEXT, stage TEXT NOT NULL,
    text TEXT NOT NULL, created_seq INTEGER NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS event (
    id INTEGER PRIMARY KEY, workshop_id INTEGER NOT NULL, seq INTEGER NOT NULL,
    type TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL,
    UNIQUE (workshop_id, seq)
);
INSERT OR IGNORE INTO workshop (id, last_seq) VALUES (1, 0);
"""

_local = threading.local()


def _connection() -> sqlite3.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None:
        path = os.environ.get("BARE_DB", "bare.db")
        connection = sqlite3.connect(path, isolation_level=None, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.executescript(SCHEMA)
        _local.connection = connection
    return connection


class NoteIn(BaseModel):
    stage: str = Field(max_length=64)
    text: str = Field(min_length=1, max_length=500)
    group: str | None = Field(default=None, max_length=64)
    id: str | None = Field(default=None, max_length=64)


insert_app = FastAPI()


@insert_app.get("/healthz")
def insert_health() -> dict:
    _connection()
    return {"status": "ok"}


@insert_app.post("/notes", status_code=status.HTTP_201_CREATED)
def insert_note(body: NoteIn) -> dict:
    connection = _connection()
    now = datetime.now(UTC).isoformat()
    note = {
        "id": body.id or str(uuid.uuid4()),
        "stage": body.stage,
        "group": body.group,
        "text": body.text,
        "created_at": now,
    }
    connection.execute("BEGIN IMMEDIATE")
    try:
        seq = connection.execute(
            "UPDATE workshop SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq"
        ).fetchone()[0]
        connection.execute(
            "INSERT INTO note (id, workshop_id, group_name, stage, text, created_seq, created_at)"
            " VALUES (?, 1, ?, ?, ?, ?, ?)",
            (note["id"], body.group, body.stage, body.text, seq, now),
        )
        connection.execute(
            "INSERT INTO event (workshop_id, seq, type, payload, created_at)"
            " VALUES (1, ?, 'note.created', ?, ?)",
            (seq, json.dumps({"note": note}, ensure_ascii=False), now),
        )
        connection.execute("COMMIT")
    except Exception:
        connection.execute("ROLLBACK")
        raise
    return note


# ---- Broadcast -------------------------------------------------------------------------------

_listeners: set[asyncio.Queue[bytes]] = set()
_seq = 0


async def _events(request: Request) -> StreamingResponse:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    _listeners.add(queue)

    async def body() -> AsyncIterator[bytes]:
        try:
            yield b"retry: 3000\n\n"
            while True:
                yield await queue.get()
        finally:
            _listeners.discard(queue)

    return StreamingResponse(body(), media_type="text/event-stream")


async def _publish(request: Request) -> JSONResponse:
    global _seq
    body = await request.json()
    _seq += 1
    note = {
        "id": body.get("id") or str(uuid.uuid4()),
        "stage": body.get("stage"),
        "group": body.get("group"),
        "text": body.get("text"),
        "created_at": datetime.now(UTC).isoformat(),
    }
    data = json.dumps({"note": note}, ensure_ascii=False, separators=(",", ":"))
    frame = f"id: {_seq}\nevent: note.created\ndata: {data}\n\n".encode()
    for queue in _listeners:
        queue.put_nowait(frame)
    return JSONResponse(note, status_code=201)


async def _health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "listeners": len(_listeners)})


broadcast_app = Starlette(
    routes=[
        Route("/events", _events),
        Route("/notes", _publish, methods=["POST"]),
        Route("/healthz", _health),
    ]
)
