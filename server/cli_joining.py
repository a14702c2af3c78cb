"""`moot group join-settings|invite|tags ...`: how people join a group, its invitation links and member tags.

The commands act for the instance (as the members commands do), through the same actions as the web pages,
so each change lands in the group's moderation log like one made there.
"""
from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from typing import Any

from federation.community import joining, members_tags
from models.joining import MAX_QUESTIONS
from server.cli_members import MembersCommandError, _group, _run, _when
from server.settings import Settings


def _settings_lines(group_name: str, settings: Any, private: bool) -> list[str]:
    if settings is None:
        return [f"{group_name}: no join settings (no questions, rules not required, no welcome message)."]
    lines = [f"{group_name}:",
             f"  approval by a moderator: {'yes (private group)' if private else 'no (public group)'}",
             f"  rules must be agreed to: {'yes' if settings.require_rules else 'no'}"]
    questions = list(settings.questions or [])
    if questions:
        lines.append("  questions" + ("" if private else " (asked only by private groups)") + ":")
        lines += [f"    {n}. {q}" for n, q in enumerate(questions, 1)]
    else:
        lines.append("  questions: none")
    lines.append(f"  welcome message: {'set' if settings.welcome else 'none'}")
    return lines


def cmd_join_settings(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: Any) -> list[str]:
        group = await _group(args.name)
        if args.question is not None and args.no_questions:
            raise MembersCommandError("give --question or --no-questions, not both")
        questions = [] if args.no_questions else args.question
        if questions is not None or args.rules_required is not None or args.welcome is not None:
            await joining.save_settings(None, group, questions=questions, require_rules=args.rules_required,
                                        welcome=args.welcome)
        return _settings_lines(group.group_name or args.name, await joining.settings_of(group),
                               group.manually_approves)

    print("\n".join(_run(settings, work)))


def _invite_line(invite: Any, base_url: str) -> str:
    parts = [f"{invite.id}", joining.invite_state(invite).replace("_", " "),
             f"used {invite.uses}" + (f" of {invite.max_uses}" if invite.max_uses is not None else "")]
    if invite.expires_at is not None:
        parts.append(f"expires {invite.expires_at.isoformat(timespec='minutes')}")
    parts.append(f"{base_url}/groups/{invite.group.group_name}/join?invite={invite.code}")
    return "  ".join(parts)


def _expiry(args: argparse.Namespace) -> datetime | None:
    if args.days is not None and args.expires:
        raise MembersCommandError("give --days or --expires, not both")
    if args.days is not None:
        if not 1 <= args.days <= joining.MAX_INVITE_DAYS:
            raise MembersCommandError(f"--days must be between 1 and {joining.MAX_INVITE_DAYS}")
        return datetime.now(timezone.utc) + timedelta(days=args.days)
    return _when(args.expires, "--expires")


def cmd_invite(settings: Settings, args: argparse.Namespace) -> None:
    base_url = settings.base_url.rstrip("/")

    async def work(fed: Any) -> list[str]:
        group = await _group(args.name)
        if args.invite_command == "create":
            invite = await joining.create_invite(None, group, expires_at=_expiry(args), max_uses=args.uses)
            invite.group = group
            return [_invite_line(invite, base_url)]
        if args.invite_command == "revoke":
            invite = await joining.revoke_invite(None, group, args.invite_id)
            invite.group = group
            return [f"Withdrew invitation {invite.id}."]
        invites = await joining.list_invites(group)
        for invite in invites:
            invite.group = group
        return [_invite_line(invite, base_url) for invite in invites] or ["The group has no invitation links."]

    print("\n".join(_run(settings, work)))


def cmd_tags(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: Any) -> list[str]:
        group = await _group(args.name)
        if args.tags_command == "define":
            tag = await members_tags.define_tag(None, group, args.tag)
            return [f"Created the tag {tag.name!r} ({tag.id})."]
        if args.tags_command == "rename":
            tag = await members_tags.rename_tag(None, group, args.tag, args.new_name)
            return [f"Renamed the tag to {tag.name!r} ({tag.id})."]
        if args.tags_command == "delete":
            tag = await members_tags.group_tag(group, args.tag)
            await members_tags.delete_tag(None, group, str(tag.id))
            return [f"Deleted the tag {tag.name!r}."]
        tags = await members_tags.defined_tags(group)
        return [f"{tag.id}  {tag.name}" for tag in tags] or ["The group has no member tags yet."]

    print("\n".join(_run(settings, work)))


def add_joining_commands(group: Any) -> None:
    """Adds join-settings, invite and tags to the `moot group` actions (`group`: its subparsers)."""
    join = group.add_parser("join-settings", help="show or change how people join a group",
                            description="Without options, show the settings. Questions are asked only by private "
                                        "groups (whose join requests wait for a moderator).")
    join.add_argument("name", help="the group name")
    join.add_argument("--question", action="append", metavar="TEXT",
                      help=f"a question asked before joining; repeat for more (at most {MAX_QUESTIONS}); "
                           "replaces the current questions")
    join.add_argument("--no-questions", action="store_true", help="ask no questions")
    join.add_argument("--rules-required", dest="rules_required", action="store_true", default=None,
                      help="people must tick that they agree to the group's rules")
    join.add_argument("--no-rules-required", dest="rules_required", action="store_false",
                      help="people need not tick the rules")
    join.add_argument("--welcome", metavar="TEXT", help="the welcome message for new members ('' to remove it)")
    join.set_defaults(handler=cmd_join_settings)

    invite = group.add_parser("invite", help="a group's invitation links").add_subparsers(
        dest="invite_command", required=True, metavar="ACTION")
    create = invite.add_parser("create", help="create an invitation link and print it")
    create.add_argument("name", help="the group name")
    create.add_argument("--uses", type=int, metavar="N", help="how many people may use it (default: no limit)")
    create.add_argument("--days", type=int, metavar="N", help="valid for N days (default: no expiry)")
    create.add_argument("--expires", metavar="WHEN", help="valid until a date (2026-12-31) or an ISO 8601 time")
    create.set_defaults(handler=cmd_invite)
    listing = invite.add_parser("list", help="list the group's invitation links (newest first)")
    listing.add_argument("name", help="the group name")
    listing.set_defaults(handler=cmd_invite)
    revoke = invite.add_parser("revoke", help="withdraw an invitation link")
    revoke.add_argument("name", help="the group name")
    revoke.add_argument("invite_id", type=int, metavar="ID", help="the invitation's number, as `list` shows it")
    revoke.set_defaults(handler=cmd_invite)

    tags = group.add_parser("tags", help="a group's member tags").add_subparsers(
        dest="tags_command", required=True, metavar="ACTION")
    listing = tags.add_parser("list", help="list the group's member tags")
    listing.add_argument("name", help="the group name")
    listing.set_defaults(handler=cmd_tags)
    define = tags.add_parser("define", help="create a member tag")
    define.add_argument("name", help="the group name")
    define.add_argument("tag", help="the tag's name (at most 40 characters)")
    define.set_defaults(handler=cmd_tags)
    rename = tags.add_parser("rename", help="rename a member tag")
    rename.add_argument("name", help="the group name")
    rename.add_argument("tag", help="the tag's name or number")
    rename.add_argument("new_name", help="its new name")
    rename.set_defaults(handler=cmd_tags)
    delete = tags.add_parser("delete", help="delete a member tag (members lose it)")
    delete.add_argument("name", help="the group name")
    delete.add_argument("tag", help="the tag's name or number")
    delete.set_defaults(handler=cmd_tags)
