"""The ``fusen`` command: ``fusen serve`` starts the server and prints where to open it;
``fusen import FILE`` recreates a workshop from its archive."""

from __future__ import annotations

import argparse
import sys


def serve(host: str, port: int) -> int:
    import uvicorn

    from app import network
    from app.settings import get_settings

    settings = get_settings()
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
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        proxy_headers=True,
        timeout_graceful_shutdown=3,
        log_level="info",
    )
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
    from app import cli_admin

    cli_admin.add_commands(commands)
    import_parser = commands.add_parser(
        "import", help="recreate a workshop from a .json archive, as a new workshop"
    )
    import_parser.add_argument("file", help="the archive downloaded as report.json")
    import_parser.add_argument("--owner", help="username of the facilitator who will own it")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.host, args.port)
    if args.command == "import":
        return import_archive(args.file, args.owner)
    if args.command in cli_admin.COMMANDS:
        return cli_admin.run(args)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
