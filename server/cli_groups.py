"""`moot group ...`: create groups and decide join requests from the command line."""
from __future__ import annotations

import argparse
import asyncio
from typing import Any

from federation.groups.admin import GroupSettings, create_group
from federation.groups.membership import decide_join
from federation.local_actors import LocalActorError
from models.actors import Actor
from models.follows import PENDING, Follow
from server.session import federation_session
from server.settings import Settings


class GroupCommandError(Exception):
    """Printed without a traceback."""


async def _group(name: str) -> Actor:
    group = await Actor.filter(group_name=name.lower(), is_local=True, deleted_at=None).first()
    if group is None:
        raise GroupCommandError(f"no local group named {name!r}")
    return group


async def _pending(group: Actor, account: str) -> Follow:
    """The pending request of ACCOUNT: a handle (name@host), a local name, or an actor URI."""
    name, _, host = account.lstrip("@").partition("@")
    query = Follow.filter(target=group, state=PENDING)
    for candidate in (query.filter(follower__uri=account), query.filter(follower__username=name, follower__domain=host),
                      query.filter(follower__local_name=name) if not host else None):
        follow = await candidate.prefetch_related("follower").first() if candidate is not None else None
        if follow is not None:
            return follow
    raise GroupCommandError(f"no pending join request from {account!r} in {group.username}")


def _run(settings: Settings, work: Any) -> Any:
    async def run() -> Any:
        async with federation_session(settings) as fed:
            return await work(fed)

    try:
        return asyncio.run(run())
    except LocalActorError as exc:
        raise GroupCommandError(str(exc)) from None


def cmd_create(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: Any) -> Actor:
        owner = await Actor.filter(local_name=args.owner, type="Person", is_local=True).first()
        if owner is None:
            raise GroupCommandError(f"no local user named {args.owner!r}; create it with `moot user create`")
        settings_ = GroupSettings(
            display_name=args.display_name, description=args.summary or "", rules=args.rules or "",
            private=args.private, restricted_posting=args.restricted_posting, non_member_posts=args.non_member_posts,
        )
        return await create_group(fed, args.name, owner, settings_)

    group = _run(settings, work)
    kind = "private group" if group.manually_approves else "group"
    print(f"Created {kind} @{group.username}@{group.domain} ({group.uri}), owned by {args.owner}")


def cmd_requests(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: Any) -> list[str]:
        group = await _group(args.name)
        pending = await Follow.filter(target=group, state=PENDING).order_by("id").prefetch_related("follower")
        return [f"{f.follower.username}@{f.follower.domain}  {f.follower.uri}" for f in pending]

    lines = _run(settings, work)
    print("\n".join(lines) if lines else "No pending join requests.")


def cmd_decide(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: Any) -> str:
        follow = await _pending(await _group(args.name), args.account)
        await decide_join(fed, None, follow, approve=args.approve)
        return follow.follower.uri

    uri = _run(settings, work)
    print(f"{'Approved' if args.approve else 'Rejected'} {uri}; the answer is delivered by the workers.")


def add_group_commands(commands: Any) -> Any:
    group = commands.add_parser("group", help="manage groups").add_subparsers(
        dest="group_command", required=True, metavar="ACTION")
    create = group.add_parser("create", help="create a group owned by a local user")
    create.add_argument("name", help="the group name: 1-30 lowercase letters, digits or underscores")
    create.add_argument("--owner", required=True, help="the local user who owns the group")
    create.add_argument("--display-name", help="the name shown on the group")
    create.add_argument("--summary", help="what the group is about")
    create.add_argument("--rules", help="the rules, one per line")
    create.add_argument("--private", action="store_true", help="join requests wait for a moderator; content stays with members")
    create.add_argument("--restricted-posting", action="store_true", help="only moderators start threads")
    create.add_argument("--non-member-posts", choices=["accept", "hold", "reject"],
                        help="posts from non-members (default: accept in public groups, reject in private ones)")
    create.set_defaults(handler=cmd_create)

    requests = group.add_parser("requests", help="list pending join requests of a group")
    requests.add_argument("name", help="the group name")
    requests.set_defaults(handler=cmd_requests)

    for verb, approve in (("approve", True), ("reject", False)):
        decide = group.add_parser(verb, help=f"{verb} a pending join request")
        decide.add_argument("name", help="the group name")
        decide.add_argument("account", help="who asked: name@host, a local name, or the actor URI")
        decide.set_defaults(handler=cmd_decide, approve=approve)
    return group  # the `group` actions, for more (server/cli_joining.py)
