"""The ``fusen`` command: ``fusen serve`` starts the server and prints where to open it;
``fusen migrate`` brings the database schema up to date; ``fusen import FILE`` recreates a
workshop from its archive."""

from __future__ import annotations

import argparse
import os
import secrets
import sys

# Seconds a stopping process gives requests in flight (streams are closed at once, see
# app/web/lifecycle.py); with uvicorn's own steps it exits well within 10 s.
GRACEFUL_SECONDS = 7


def serve(host: str, port: int, workers: int = 1) -> int:
    import uvicorn

    from app import network
    from app.settings import get_settings

    settings = get_settings()
    if workers > 1 and not os.environ.get("FUSEN_SECRET_KEY"):
        # Each worker would otherwise draw its own random key and refuse the others' tokens.
        os.environ["FUSEN_SECRET_KEY"] = settings.secret_key or secrets.token_urlsafe(32)
    shown = "localhost" if host in ("0.0.0.0", "::", "127.0.0.1") else host  # noqa: S104
    print(f"Fusen is starting on http://{shown}:{port}")
    print(f"  Sign in (facilitators, secretariat): http://{shown}:{port}/login")
    print(f"  Participants join at:                http://{shown}:{port}/")
    lan = settings.lan_address or network.lan_address()
    if network.is_loopback(host):
        print("  Listening on this computer only: phones cannot join (use --host 0.0.0.0).")
    elif lan:
        print(f"  Phones on the same network:          http://{lan}:{port}/")
    elif not settings.public_url:
        print("  No network address found: connect to the venue's Wi-Fi or set FUSEN_PUBLIC_URL.")
    print(f"  API documentation:                   http://{shown}:{port}/docs")
    print(f"  Database: {settings.database_url}", flush=True)
    if workers > 1:
        print(f"  Worker processes: {workers} (bus: {settings.bus_url})", flush=True)
        if settings.bus_url.startswith("memory://"):
            print(
                "  Warning: with several workers set FUSEN_BUS_URL (redis:// or postgresql://),"
                " or live updates reach only the viewers of the worker that took the write.",
                flush=True,
            )
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        proxy_headers=True,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        log_level="info",
    )
    return 0


def migrate() -> int:
    """Migrate and exit: for a deploy step that runs before the servers start (optional; every
    server migrates on start too, under the same lock)."""
    import logging

    from app.db import Database
    from app.settings import get_settings

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    db = Database(get_settings().database_url)
    try:
        db.migrate()
    finally:
        db.dispose()
    print("The database schema is up to date.")
    return 0


def import_archive(path: str, owner: str | None) -> int:
    """Recreate a workshop from a ``.json`` archive; print the new id, or why it was refused."""
    from pathlib import Path

    from sqlmodel import select

    from app import i18n
    from app.db import Database
    from app.errors import DomainError
    from app.exports import archive
    from app.models import User
    from app.settings import get_settings

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        print(f"fusen import: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    db = Database(get_settings().database_url)
    try:
        db.migrate()
        with db.write_session() as session:
            owner_id = None
            if owner:
                user = session.exec(select(User).where(User.username == owner)).first()
                if user is None:
                    print(f"fusen import: no user named {owner}", file=sys.stderr)
                    return 1
                owner_id = user.id
            try:
                workshop = archive.import_bytes(session=session, raw=raw, owner_id=owner_id)
            except DomainError as exc:
                session.rollback()
                with i18n.use_locale("en"):
                    print(
                        f"fusen import: {i18n.gettext(exc.message, **exc.params)}", file=sys.stderr
                    )
                return 1
            session.commit()
            print(f"Imported “{workshop.title}” as workshop {workshop.id}.")
            return 0
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fusen", description="Fusen workshop server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="start the web server")
    serve_parser.add_argument("--host", default="0.0.0.0", help="address to listen on")  # noqa: S104
    serve_parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve_parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (each about 100 MB; set FUSEN_BUS_URL)",
    )
    commands.add_parser("migrate", help="bring the database schema up to date, then exit")
    from app import cli_admin

    cli_admin.add_commands(commands)
    import_parser = commands.add_parser(
        "import", help="recreate a workshop from a .json archive, as a new workshop"
    )
    import_parser.add_argument("file", help="the archive downloaded as report.json")
    import_parser.add_argument("--owner", help="username of the facilitator who will own it")
    args = parser.parse_args(argv)
    if args.command == "serve":
        if args.workers < 1:
            parser.error("--workers must be 1 or more")
        return serve(args.host, args.port, args.workers)
    if args.command == "migrate":
        return migrate()
    if args.command == "import":
        return import_archive(args.file, args.owner)
    if args.command in cli_admin.COMMANDS:
        return cli_admin.run(args)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
