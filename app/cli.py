"""The ``fusen`` command: ``fusen serve`` starts the server and prints where to open it."""

from __future__ import annotations

import argparse
import socket
import sys


def _lan_address() -> str | None:
    """The address phones on the same Wi-Fi can reach; no packet is sent to find it."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routing lookup only, never reached
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def serve(host: str, port: int) -> int:
    import uvicorn

    from app.settings import get_settings

    settings = get_settings()
    shown = "localhost" if host in ("0.0.0.0", "::", "127.0.0.1") else host  # noqa: S104
    print(f"Fusen is starting on http://{shown}:{port}")
    print(f"  Sign in (facilitators, secretariat): http://{shown}:{port}/login")
    print(f"  Participants join at:                http://{shown}:{port}/")
    lan = _lan_address()
    if host in ("0.0.0.0", "::") and lan:  # noqa: S104
        print(f"  Phones on the same network:          http://{lan}:{port}/")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fusen", description="Fusen workshop server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="start the web server")
    serve_parser.add_argument("--host", default="0.0.0.0", help="address to listen on")  # noqa: S104
    serve_parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    from app import cli_admin

    cli_admin.add_commands(commands)
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.host, args.port)
    if args.command in cli_admin.COMMANDS:
        return cli_admin.run(args)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
