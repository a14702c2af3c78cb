"""The `moot` command. Every subcommand has --help."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from typing import Sequence

from aiohttp import web

from federation.local_actors import LocalActorError, create_page, create_token, create_user
from federation.media_store import MediaStoreError
from models.actors import Actor, LocalUser
from server.app import create_app
from server.session import federation_session
from server.cli_admin import AdminCommandError, add_admin_commands
from server.cli_accounts import AccountCommandError, add_account_commands
from server.cli_groups import GroupCommandError, add_group_commands
from server.cli_members import MembersCommandError, add_members_commands
from server.cli_backup import BackupError, add_backup_commands
from server.cli_media import MediaCommandError, add_media_commands
from server.cli_queue import QueueCommandError, add_queue_commands
from server.logging_setup import configure_logging
from server.health import serve_worker_endpoints
from tortoise.context import require_context
from server.cli_joining import add_joining_commands
from server.database import SchemaError, activate, apply_migrations, open_migrated_database
from server.settings import Settings, SettingsError, load_settings
from server.version import VERSION
from server.serve_processes import start_serve_processes, stop_serve_processes
from server.worker import ROLES, run_worker
from web.passwords import hash_password


class CommandError(Exception):
    """A command cannot do what was asked; printed without a traceback."""


def _process_count(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"must be between 1 and 64, got {value}")
    return value


async def _admin_hint(settings: Settings) -> None:
    database = await open_migrated_database(settings.database_url,
                                            sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    activate(database)
    try:
        has_admin = await LocalUser.filter(is_admin=True).exists()
    finally:
        await database.close_connections()
    if not has_admin:
        print(f"No admin account yet. Open {settings.base_url}/setup in a browser to create the first one,")
        print("or create it here with:  .venv/bin/moot user create NAME --admin")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    if args.processes > 1 and settings.database_url.startswith("sqlite"):
        raise CommandError("SQLite is a one-process engine: --processes needs PostgreSQL (MOOT_DATABASE_URL="
                           "postgres://...). One process serves a SQLite instance well; see README, Operating Moot.")
    if args.migrate:
        asyncio.run(apply_migrations(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms))
    asyncio.run(_admin_hint(settings))
    extra = f", {args.processes} processes" if args.processes > 1 else ""
    print(f"Moot {VERSION} serving {settings.base_url} on http://{settings.listen}{extra} (Ctrl+C stops)")
    children = start_serve_processes(settings, args.processes - 1)
    try:
        web.run_app(create_app(settings), host=settings.listen_host, port=settings.listen_port, print=None,
                    reuse_port=args.processes > 1)
    finally:
        stop_serve_processes(children)


def cmd_worker(settings: Settings, args: argparse.Namespace) -> None:
    if settings.database_url.startswith("sqlite"):
        # Not refused: one worker beside `moot serve` (MOOT_RUN_WORKERS=0) works, and the chaos benchmark runs so.
        print("moot: note: SQLite is a one-process engine. This worker shares the file with `moot serve` (run it "
              "with MOOT_RUN_WORKERS=0) and adds no throughput; for more processes use PostgreSQL. See README, "
              "Operating Moot.", file=sys.stderr)
    roles = (args.only,) if args.only else ROLES

    async def run() -> None:
        async with federation_session(settings) as fed:
            # --listen: /healthz, /readyz and /metrics of this worker (server/health.py).
            runner = await serve_worker_endpoints(fed, settings, require_context(), args.listen) \
                if args.listen else None
            only = f" ({args.only} only)" if args.only else ""
            print(f"worker running{only}; Ctrl+C stops"
                  + (f" (health and metrics on http://{args.listen})" if runner else ""))
            try:
                await run_worker(fed, asyncio.Event(), settings.database_url, roles)
            finally:
                if runner is not None:
                    await runner.cleanup()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        print("worker stopped")


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    print(f"Migrating {_redacted(settings.database_url)}")
    asyncio.run(apply_migrations(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms))
    print("Database is up to date.")


def _redacted(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password (empty for none; the account then signs in only with tokens): ")
        if password and getpass.getpass("Password again: ") != password:
            raise CommandError("the passwords differ")
    else:
        return None
    return password or None


def cmd_user_create(settings: Settings, args: argparse.Namespace) -> None:
    password = _read_password(args)
    try:
        password_hash = hash_password(password) if password else None
    except ValueError as exc:
        raise CommandError(str(exc)) from None

    async def run() -> Actor:
        async with federation_session(settings) as fed:
            return await create_user(fed, args.name, password_hash=password_hash, is_admin=args.admin,
                                     display_name=args.display_name)

    actor = _run_local(run())
    print(f"Created {'admin ' if args.admin else ''}user @{actor.username}@{actor.domain} ({actor.uri})")


def cmd_page_create(settings: Settings, args: argparse.Namespace) -> None:
    async def run() -> Actor:
        async with federation_session(settings) as fed:
            owner = await Actor.filter(local_name=args.owner, type="Person", is_local=True).first()
            if owner is None:
                raise CommandError(f"no local user named {args.owner!r}; create it with `moot user create`")
            fields = [_parse_field(raw) for raw in args.field or []]
            return await create_page(fed, args.name, owner=owner, display_name=args.display_name,
                                     category=args.category, summary=args.summary or "", profile_fields=fields,
                                     manually_approves=args.approve_followers)

    page = _run_local(run())
    print(f"Created page @{page.username}@{page.domain} ({page.uri}), owned by {args.owner}")


def _parse_field(raw: str) -> dict[str, str]:
    name, sep, value = raw.partition("=")
    if not sep or not name.strip():
        raise CommandError(f"--field takes NAME=VALUE, got {raw!r}")
    return {"name": name.strip(), "value": value.strip()}


def cmd_token_create(settings: Settings, args: argparse.Namespace) -> None:
    async def run() -> str:
        async with federation_session(settings):
            actor = await Actor.filter(local_name=args.actor, is_local=True, deleted_at=None).first()
            if actor is None or actor.type == "Application":
                raise CommandError(f"no local user or page named {args.actor!r}")
            return await create_token(actor, label=args.label)

    print(_run_local(run()))


def _run_local(coro):  # type: ignore[no-untyped-def]
    try:
        return asyncio.run(coro)
    except LocalActorError as exc:
        raise CommandError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moot", description="Moot, a federated community server.")
    parser.add_argument("--version", action="version", version=f"moot {VERSION}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web server (and the workers, unless MOOT_RUN_WORKERS=0)")
    serve.add_argument("--no-migrate", dest="migrate", action="store_false", help="do not apply migrations first")
    serve.add_argument("--processes", type=_process_count, default=1, metavar="N",
                       help="serve from N processes sharing the port (SO_REUSEPORT; PostgreSQL only). Only the "
                            "first runs the queue workers; add `moot worker` processes for more")
    serve.set_defaults(handler=cmd_serve)

    worker = commands.add_parser("worker", help="run only the queue workers (for extra processes on PostgreSQL)")
    worker.add_argument("--listen", metavar="HOST:PORT",
                        help="also answer /healthz, /readyz and /metrics (MOOT_METRICS_TOKEN) on this address")
    worker.add_argument("--only", choices=ROLES,
                        help="run one side: intake (incoming activities, fan-outs, scheduled jobs) or delivery "
                             "(signing and sending to other servers); both by default")
    worker.set_defaults(handler=cmd_worker)

    migrate = commands.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(handler=cmd_migrate)

    user = commands.add_parser("user", help="manage local user accounts").add_subparsers(
        dest="user_command", required=True, metavar="ACTION")
    user_create = user.add_parser("create", help="create a local user")
    user_create.add_argument("name", help="the user name: 1-30 lowercase letters, digits or underscores")
    user_create.add_argument("--admin", action="store_true", help="make the user an instance admin")
    user_create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    user_create.add_argument("--display-name", help="the name shown on the profile")
    user_create.set_defaults(handler=cmd_user_create)
    add_account_commands(user)  # user password, user delete (server/cli_accounts.py)

    page = commands.add_parser("page", help="manage pages (Service actors)").add_subparsers(
        dest="page_command", required=True, metavar="ACTION")
    page_create = page.add_parser("create", help="create a page owned by a local user")
    page_create.add_argument("name", help="the page name: 1-30 lowercase letters, digits or underscores")
    page_create.add_argument("--owner", required=True, help="the local user who owns the page")
    page_create.add_argument("--display-name", help="the name shown on the page")
    page_create.add_argument("--category", help="e.g. Bakery, Newspaper, Musician")
    page_create.add_argument("--summary", help="the description, as plain text (HTML in it shows as text)")
    page_create.add_argument("--field", action="append", metavar="NAME=VALUE",
                             help="a contact detail or profile field; repeat for more")
    page_create.add_argument("--approve-followers", action="store_true",
                             help="follow requests wait for approval")
    page_create.set_defaults(handler=cmd_page_create)

    add_joining_commands(add_group_commands(commands))  # join settings, invitations, tags
    add_members_commands(commands)
    add_admin_commands(commands)
    add_queue_commands(commands)  # moot queue stats|retry|discard|prune
    add_backup_commands(commands)  # moot backup DEST
    add_media_commands(commands)  # moot media check|copy-local

    token = commands.add_parser("token", help="manage API tokens").add_subparsers(
        dest="token_command", required=True, metavar="ACTION")
    token_create = token.add_parser("create", help="print a new bearer token that acts as a local user or page")
    token_create.add_argument("actor", help="the local user or page name")
    token_create.add_argument("--label", default="cli", help="a note to recognise the token by")
    token_create.set_defaults(handler=cmd_token_create)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        # tortoise logs every connection open and close at INFO.
        logging.getLogger("tortoise").setLevel(logging.WARNING)
    try:
        settings = load_settings()
        configure_logging(settings.log_format, settings.log_level, verbose=args.verbose)  # MOOT_LOG_FORMAT/LEVEL
        args.handler(settings, args)
    except (SettingsError, SchemaError, CommandError, AccountCommandError, GroupCommandError, AdminCommandError,
            MembersCommandError, QueueCommandError, BackupError, MediaStoreError,
            MediaCommandError) as exc:
        print(f"moot: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
