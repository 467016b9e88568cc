"""``fusen create-user``, ``fusen reset-password`` and ``fusen purge``, for the operator."""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlmodel import Session

from app.db import Database
from app.domain import audit, retention, staff_sessions, users
from app.errors import DomainError
from app.settings import get_settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    create = commands.add_parser("create-user", help="create a staff account")
    create.add_argument("username")
    create.add_argument("--role", choices=users.ROLES, default="facilitator")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    reset = commands.add_parser("reset-password", help="set a new password for an account")
    reset.add_argument("username")
    reset.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    purge = commands.add_parser(
        "purge", help="remove participant data of workshops closed longer than their retention"
    )
    purge.add_argument("--workshop", type=int, help="purge this closed workshop now")
    purge.add_argument("--dry-run", action="store_true", help="only list what would be purged")


COMMANDS = ("create-user", "reset-password", "purge")


def _password(from_stdin: bool) -> str:
    """Read a password without echo; empty means the server generates one and prints it once."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        return ""
    first = getpass.getpass("Password (empty: generate one): ")
    if first and getpass.getpass("Repeat: ") != first:
        raise SystemExit("The passwords differ; nothing was changed.")
    return first


def run(args: argparse.Namespace) -> int:
    from app import i18n

    settings = get_settings()
    db = Database(settings.database_url)
    db.migrate()
    try:
        with i18n.use_locale("en"), db.write_session() as session:
            try:
                code = _dispatch(args, session, settings.retention_days)
            except DomainError as exc:
                session.rollback()
                print(i18n.gettext(exc.message, **exc.params), file=sys.stderr)
                return 1
            session.commit()
            return code
    finally:
        db.dispose()


def _dispatch(args: argparse.Namespace, session: Session, default_days: int) -> int:
    if args.command == "create-user":
        done = users.create_user(
            session=session,
            username=args.username,
            role=args.role,
            password=_password(args.password_stdin),
        )
        audit.record(session, action="user.create", username="cli", detail=done.user.username)
        print(f"Created {done.user.role} '{done.user.username}'.")
        if done.generated_password:
            print(f"Password: {done.generated_password}")
        return 0
    if args.command == "reset-password":
        user = users.by_username(session, args.username)
        done = users.reset_password(
            session=session, user=user, password=_password(args.password_stdin)
        )
        audit.record(session, action="user.password", username="cli", detail=user.username)
        print(f"Password of '{user.username}' changed; its sessions ended.")
        if done.generated_password:
            print(f"Password: {done.generated_password}")
        return 0
    if args.workshop is not None:
        from app.domain import workshops

        due = [workshops.get(session, args.workshop)]
    else:
        due = retention.due_for_purge(session, default_days=default_days)
    for workshop in due:
        if args.dry_run:
            print(f"would purge #{workshop.id} {workshop.title}")
            continue
        kept = retention.purge_workshop(session=session, workshop=workshop)
        audit.record(
            session,
            action="retention.purge",
            username="cli",
            workshop_id=workshop.id,
            detail=f"participants={kept.participants} notes={kept.total_notes}",
        )
        print(f"purged #{workshop.id} {workshop.title}")
    expired = 0 if args.dry_run else staff_sessions.purge_expired(session=session)
    verb = "due" if args.dry_run else "purged"
    print(f"{len(due)} workshop(s) {verb}; {expired} expired session(s) removed.")
    return 0
