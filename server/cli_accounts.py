"""`moot user password NAME` and `moot user delete NAME [--now]`: account basics from the shell."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from federation.account_deletion import DeletionError, purge_account, request_deletion
from models.actors import LocalUser
from server.session import federation_session
from server.settings import Settings
from web.account_security import set_password
from web.passwords import hash_password


class AccountCommandError(Exception):
    """Printed without a traceback."""


async def _account(name: str) -> LocalUser:
    account = await LocalUser.filter(actor__local_name=name.lstrip("@").lower()).prefetch_related("actor").first()
    if account is None:
        raise AccountCommandError(f"no local user named {name!r}")
    return account


def _new_password(args: argparse.Namespace) -> str:
    if args.stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("New password: ")
        if getpass.getpass("New password again: ") != password:
            raise AccountCommandError("the passwords differ")
    try:
        return hash_password(password)
    except ValueError as exc:
        raise AccountCommandError(str(exc)) from None


def cmd_password(settings: Settings, args: argparse.Namespace) -> None:
    password_hash = _new_password(args)

    async def run() -> None:
        async with federation_session(settings):
            account = await _account(args.name)
            if account.deletion_requested_at is not None:
                raise AccountCommandError(f"{args.name} is scheduled for deletion")
            await set_password(account, password_hash)

    asyncio.run(run())
    print(f"Changed the password of {args.name}; every browser signed in to it was signed out.")


def cmd_delete(settings: Settings, args: argparse.Namespace) -> None:
    async def run() -> str:
        async with federation_session(settings) as fed:
            account = await _account(args.name)
            try:
                purge_at = await request_deletion(fed, account)
            except DeletionError:
                if not args.now:
                    raise AccountCommandError(f"{args.name} is already scheduled for deletion") from None
                purge_at = None
            if args.now:
                await purge_account(await LocalUser.get(id=account.id), fed.media_store)
                return f"Deleted {args.name} and removed its data now."
            return f"Deleted {args.name}: it cannot sign in; its data is removed on {purge_at:%Y-%m-%d %H:%M} UTC."

    print(asyncio.run(run()))


def add_account_commands(user: Any) -> None:
    """Adds to `moot user` (its subparsers)."""
    password = user.add_parser("password", help="set a local user's password (signs out every browser)")
    password.add_argument("name", help="the user name")
    password.add_argument("--stdin", action="store_true", help="read the new password from standard input")
    password.set_defaults(handler=cmd_password)
    delete = user.add_parser("delete", help="delete a local user's account (federates Delete; data removed "
                                            "after 30 days)")
    delete.add_argument("name", help="the user name")
    delete.add_argument("--now", action="store_true", help="remove the data at once, without the grace period")
    delete.set_defaults(handler=cmd_delete)
