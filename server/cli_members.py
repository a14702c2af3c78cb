"""`moot members ...`: a group's members directory, member tags and moderation from the command line.

The commands act as the group's owner (or --as a moderator), through the same actions as the web pages,
so a ban federates exactly as one from the directory does.
"""
from __future__ import annotations

import argparse
import asyncio
from typing import Any

from federation.actions import ActionError
from federation.community import members_tags
from federation.community.members_directory import ROLES, STANDINGS, DirectoryFilter, directory
from federation.groups import moderation
from federation.protocol.common import parse_datetime
from models.actors import Actor
from models.groups import OWNER, GroupRole
from server.session import federation_session
from server.settings import Settings


class MembersCommandError(Exception):
    """Printed without a traceback."""


async def _group(name: str) -> Actor:
    group = await Actor.filter(type="Group", group_name=name.lower(), is_local=True, deleted_at=None).first()
    if group is None:
        raise MembersCommandError(f"no local group named {name!r}")
    return group


async def _account(account: str) -> Actor:
    """name@host, a local name, or an actor URI."""
    name, _, host = account.lstrip("@").partition("@")
    for query in (Actor.filter(uri=account), Actor.filter(username=name, domain=host) if host else None,
                  Actor.filter(local_name=name, is_local=True) if not host else None):
        actor = await query.filter(deleted_at=None).first() if query is not None else None
        if actor is not None:
            return actor
    raise MembersCommandError(f"no account {account!r}")


async def _acting(group: Actor, name: str | None) -> Actor:
    if name:
        return await _account(name)
    role = await GroupRole.filter(group=group, role=OWNER).prefetch_related("actor").first()
    if role is None:
        raise MembersCommandError("the group has no owner: pass --as a moderator")
    return role.actor


def _when(raw: str | None, what: str) -> Any:
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is None:
        raise MembersCommandError(f"{what} must be a date (2026-12-12) or an ISO 8601 time")
    return value


def _run(settings: Settings, work: Any) -> Any:
    async def run() -> Any:
        async with federation_session(settings) as fed:
            return await work(fed)

    try:
        return asyncio.run(run())
    except ActionError as exc:
        raise MembersCommandError(str(exc)) from None


def _line(row: Any) -> str:
    actor = row.actor
    parts = [f"{actor.username}@{actor.domain}", row.role or "member"]
    if row.state == "pending":
        parts.append("asking to join")
    elif row.joined:
        parts.append(f"joined {row.joined.date().isoformat()}")
    if row.ban:
        parts.append("banned" + (f" until {row.ban.expires_at.date().isoformat()}" if row.ban.expires_at else "")
                     + (f" ({row.ban.reason})" if row.ban.reason else ""))
    if row.mute:
        parts.append("read only" + (f" until {row.mute.expires_at.date().isoformat()}" if row.mute.expires_at else "")
                     + (f" ({row.mute.reason})" if row.mute.reason else ""))
    if row.tags:
        parts.append("tags: " + ", ".join(label.name for label in row.tags))
    return "  ".join(parts)


def cmd_list(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: Any) -> list[str]:
        group = await _group(args.name)
        chosen = DirectoryFilter(query=args.search or "", role=args.role or "", tag=await _tag_choice(group, args.tag),
                                 standing=args.standing or "", joined_after=_when(args.joined_after, "--joined-after"),
                                 joined_before=_when(args.joined_before, "--joined-before"), page=args.page)
        return [_line(row) for row in (await directory(group, chosen)).rows]

    lines = _run(settings, work)
    print("\n".join(lines) if lines else "Nobody matches.")


async def _tag_choice(group: Actor, tag: str | None) -> str:
    if not tag:
        return ""
    if tag in members_tags.COMPUTED:
        return tag
    return str((await members_tags.group_tag(group, tag)).id)


def cmd_tags(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: Any) -> list[str]:
        return [f"{tag.id}  {tag.name}" for tag in await members_tags.defined_tags(await _group(args.name))]

    lines = _run(settings, work)
    print("\n".join(lines) if lines else "The group has no member tags yet.")


def cmd_tag_define(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: Any) -> str:
        group = await _group(args.name)
        if args.delete:
            await members_tags.delete_tag(None, group, args.tag)
            return f"Deleted the tag {args.tag!r}."
        tag = await members_tags.define_tag(None, group, args.tag)
        return f"Created the tag {tag.name!r} ({tag.id})."

    print(_run(settings, work))


def cmd_tag_member(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: Any) -> str:
        group = await _group(args.name)
        target = await _account(args.account)
        if args.remove:
            await members_tags.unassign_tag(None, group, target, args.tag)
            return f"Took {args.tag!r} away from {target.username}@{target.domain}."
        tag = await members_tags.assign_tag(None, group, target, args.tag)
        return f"Gave {tag.name!r} to {target.username}@{target.domain}."

    print(_run(settings, work))


def cmd_moderate(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: Any) -> str:
        group = await _group(args.name)
        target = await _account(args.account)
        actor = await _acting(group, getattr(args, "acting", None))
        verb = args.verb
        if verb in ("promote", "demote"):
            await moderation.set_moderator(fed, actor, group, target, verb == "promote")
        elif verb == "remove":
            await moderation.remove_member(fed, actor, group, target)
        elif verb == "ban":
            await moderation.ban_member(fed, actor, group, target, reason=args.reason or "",
                                        expires_at=_when(args.until, "--until"))
        elif verb == "unban":
            await moderation.unban_member(fed, actor, group, target)
        elif verb == "mute":
            await moderation.mute_member(fed, actor, group, target, reason=args.reason or "",
                                         expires_at=_when(args.until, "--until"))
        elif verb == "unmute":
            await moderation.unmute_member(fed, actor, group, target)
        return f"Done: {verb} {target.username}@{target.domain}; anything to send goes out with the workers."

    print(_run(settings, work))


MODERATION_VERBS = {
    "promote": "make a member a moderator (as the owner)", "demote": "remove a moderator (as the owner)",
    "remove": "end a membership", "ban": "ban from the group (--until for an end date)", "unban": "lift a ban",
    "mute": "make read only until --until", "unmute": "let a read-only member post again",
}


def add_members_commands(commands: Any) -> None:
    members = commands.add_parser("members", help="a group's members directory, member tags and moderation")
    sub = members.add_subparsers(dest="members_command", required=True, metavar="ACTION")

    listing = sub.add_parser("list", help="list members with filters")
    listing.add_argument("name", help="the group name")
    listing.add_argument("--search", help="a name, handle or server")
    listing.add_argument("--role", choices=ROLES)
    listing.add_argument("--tag", help="a tag name or id, or new, active, top")
    listing.add_argument("--standing", choices=STANDINGS)
    listing.add_argument("--joined-after", help="a date, 2026-12-01")
    listing.add_argument("--joined-before", help="a date")
    listing.add_argument("--page", type=int, default=1)
    listing.set_defaults(handler=cmd_list)

    tags = sub.add_parser("tags", help="list the group's member tags")
    tags.add_argument("name", help="the group name")
    tags.set_defaults(handler=cmd_tags)

    define = sub.add_parser("define-tag", help="create a member tag (or delete one with --delete)")
    define.add_argument("name", help="the group name")
    define.add_argument("tag", help="the tag's name (or id, with --delete)")
    define.add_argument("--delete", action="store_true")
    define.set_defaults(handler=cmd_tag_define)

    for verb, remove in (("tag", False), ("untag", True)):
        give = sub.add_parser(verb, help="take a tag away from a member" if remove else "give a member a tag")
        give.add_argument("name", help="the group name")
        give.add_argument("account", help="name@host, a local name, or the actor URI")
        give.add_argument("tag", help="the tag's name or id")
        give.set_defaults(handler=cmd_tag_member, remove=remove)

    for verb, text in MODERATION_VERBS.items():
        action = sub.add_parser(verb, help=text)
        action.add_argument("name", help="the group name")
        action.add_argument("account", help="name@host, a local name, or the actor URI")
        action.add_argument("--as", dest="acting", help="act as this moderator (default: the group's owner)")
        if verb in ("ban", "mute"):
            action.add_argument("--until", required=verb == "mute", help="the end date, 2026-12-12")
            action.add_argument("--reason", help="why (shown to moderators and in the moderation log)")
        action.set_defaults(handler=cmd_moderate, verb=verb)
