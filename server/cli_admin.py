"""`moot admin ...`: federation policies, content rules, the review queue, reports and the modlog."""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable

from federation import review
from federation.actions import ActionError
from federation.context import FederationContext
from federation.policy import admin as policy_admin
from federation.policy.admin import PolicyError
from federation.policy import rule_admin
from federation.policy.rules import RuleError
from federation.protocol.common import parse_datetime
from federation.reports import close_report
from models.actors import Actor, LocalUser
from models.groups import HELD, HeldActivity
from models.moderation import (
    ACTOR_POLICIES, DOMAIN_POLICIES, OPEN, RULE_ACTIONS, RULE_TARGETS, ActorPolicy, ContentRule, DomainPolicy,
    ModLogEntry, Report,
)
from server.session import federation_session
from server.settings import Settings
from web.modlog_text import modlog_texts


class AdminCommandError(Exception):
    """Printed without a traceback."""


async def _admin(name: str | None) -> Actor:
    """The admin the command acts as: --as NAME, or the first admin account."""
    query = LocalUser.filter(is_admin=True).prefetch_related("actor")
    row = await (query.filter(actor__local_name=name) if name else query.order_by("id")).first()
    if row is None:
        raise AdminCommandError(f"no admin account {name!r}" if name else "there is no admin account yet: "
                                "create one with `moot user create NAME --admin`")
    return row.actor


async def _account(ref: str) -> Actor:
    """An account by numeric id, actor URI, name@host, or local name."""
    name, _, host = ref.lstrip("@").partition("@")
    for query in (Actor.filter(id=int(ref)) if ref.isdigit() else None, Actor.filter(uri=ref),
                  Actor.filter(username=name, domain=host) if host else Actor.filter(local_name=name)):
        found = await query.first() if query is not None else None
        if found is not None:
            return found
    raise AdminCommandError(f"no known account {ref!r}")


def _when(raw: str | None) -> Any:
    if raw is None:
        return None
    value = parse_datetime(raw)
    if value is None:
        raise AdminCommandError(f"--expires takes an ISO 8601 date and time, got {raw!r}")
    return value


def _run(settings: Settings, work: Callable[[FederationContext], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        async with federation_session(settings) as fed:
            return await work(fed)

    try:
        return asyncio.run(run())
    except (PolicyError, RuleError, ActionError) as exc:
        raise AdminCommandError(str(exc)) from None


def cmd_domain(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: FederationContext) -> None:
        if args.domain_action == "list":
            for row in await DomainPolicy.all().order_by("domain"):
                expiry = f" until {row.expires_at:%Y-%m-%d %H:%M}" if row.expires_at else ""
                print(f"{row.domain}\t{row.policy}{' +reject-media' if row.reject_media else ''}{expiry}\t{row.public_reason}")
            return
        admin = await _admin(args.as_admin)
        if args.domain_action == "set":
            await policy_admin.set_domain_policy(fed, admin, args.domain, args.policy, public_reason=args.public_reason,
                                                 private_reason=args.private_reason, expires_at=_when(args.expires),
                                                 reject_media=args.reject_media)
            print(f"{args.domain}: {args.policy}")
        elif args.domain_action == "clear":
            found = await policy_admin.remove_domain_policy(fed, admin, args.domain)
            print(f"{args.domain}: policy cleared" if found else f"{args.domain} had no policy")
        elif args.domain_action == "import":
            text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
            result = await policy_admin.import_csv(fed, admin, text)
            for error in result.errors:
                print(f"skipped: {error}", file=sys.stderr)
            print(f"imported {len(result.imported)} domain policies, skipped {len(result.errors)} lines")
        elif args.domain_action == "export":
            text = policy_admin.export_csv(await DomainPolicy.all().order_by("domain"))
            if args.file == "-":
                print(text, end="")
            else:
                Path(args.file).write_text(text, encoding="utf-8")
                print(f"wrote {args.file}")
        elif args.domain_action == "mode":
            await policy_admin.set_federation_mode(fed, admin, args.mode)
            print(f"federation mode: {args.mode}")

    _run(settings, work)


def cmd_actor(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: FederationContext) -> None:
        if args.actor_action == "list":
            for row in await ActorPolicy.all().prefetch_related("actor").order_by("id"):
                print(f"{row.actor.uri}\t{row.policy}\t{row.reason}")
            return
        admin, target = await _admin(args.as_admin), await _account(args.account)
        if args.actor_action == "set":
            await policy_admin.set_actor_policy(fed, admin, target, args.policy, reason=args.reason,
                                                expires_at=_when(args.expires))
            print(f"{target.uri}: {args.policy}")
        else:
            found = await policy_admin.remove_actor_policy(fed, admin, target)
            print(f"{target.uri}: policy cleared" if found else f"{target.uri} had no policy")

    _run(settings, work)


def cmd_rule(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: FederationContext) -> None:
        if args.rule_action == "list":
            for row in await ContentRule.all().order_by("id"):
                scope = f"group {row.group_id}" if row.group_id else "instance"
                kind = "regex" if row.is_regex else "keyword"
                print(f"{row.id}\t{scope}\t{row.action}\t{kind} {row.pattern!r}\t{','.join(row.targets)}")
            return
        admin = await _admin(args.as_admin)
        if args.rule_action == "remove":
            removed = await rule_admin.remove_rule(fed, admin, None, args.id)
            print("removed" if removed else f"no rule {args.id}")
            return
        group = None
        if args.group:
            group = await Actor.filter(group_name=args.group, is_local=True).first()
            if group is None:
                raise AdminCommandError(f"no local group named {args.group!r}")
        row = await rule_admin.add_rule(fed, admin, group, pattern=args.pattern, is_regex=args.regex,
                                        action=args.action, targets=args.target or ["text"], note=args.note)
        print(f"rule {row.id}: {args.action} on {args.pattern!r} in {', '.join(row.targets)}")

    _run(settings, work)


def cmd_held(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: FederationContext) -> None:
        if args.held_action == "list":
            for item in await HeldActivity.filter(state=HELD).prefetch_related("actor").order_by("id"):
                print(f"{item.id}\t{item.reason}\t{item.detail}\t{item.actor.uri}\t{item.activity_uri}")
            return
        admin = await _admin(args.as_admin)
        item = await HeldActivity.filter(id=args.id).first()
        if item is None:
            raise AdminCommandError(f"no held item {args.id}")
        if args.held_action == "approve":
            await review.approve(fed, admin, item, trust=args.trust)
        else:
            await review.reject(fed, admin, item, args.reason)
        print(f"held item {args.id}: {args.held_action}d; the workers carry it out")

    _run(settings, work)


def cmd_reports(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: FederationContext) -> None:
        if args.report_action == "list":
            for row in await Report.filter(state=args.state).prefetch_related("target_actor").order_by("id"):
                target = row.target_actor.uri if row.target_actor else "?"
                print(f"{row.id}\t{row.state}\t{target}\t{row.comment[:80]}")
            return
        report = await Report.filter(id=args.id).first()
        if report is None:
            raise AdminCommandError(f"no report {args.id}")
        await close_report(await _admin(args.as_admin), report, dismiss=args.report_action == "dismiss",
                           action_taken=args.action_taken)
        print(f"report {args.id}: {'dismissed' if args.report_action == 'dismiss' else 'resolved'}")

    _run(settings, work)


def cmd_modlog(settings: Settings, args: argparse.Namespace) -> None:
    async def work(fed: FederationContext) -> None:
        entries = await ModLogEntry.all().prefetch_related("moderator").order_by("-id").limit(args.limit)
        sentences = await modlog_texts(entries)  # as the web pages say it, in English
        for entry in entries:
            who = entry.moderator.handle if entry.moderator else "system"
            # Tab-separated for scripts; the last column is for people.
            print(f"{entry.created_at:%Y-%m-%d %H:%M}\t{who}\t{entry.action}\t{entry.target}\t{entry.reason}"
                  f"\t{sentences.get(entry.id, '')}")

    _run(settings, work)


def add_admin_commands(commands: Any) -> None:
    admin = commands.add_parser("admin", help="instance moderation: policies, rules, review queue, reports, modlog")
    sub = admin.add_subparsers(dest="admin_command", required=True, metavar="AREA")

    domain = sub.add_parser("domain", help="federation policies per domain (subdomains included)")
    domain_sub = domain.add_subparsers(dest="domain_action", required=True, metavar="ACTION")
    set_ = domain_sub.add_parser("set", help="set a domain's policy")
    set_.add_argument("domain")
    set_.add_argument("policy", choices=DOMAIN_POLICIES)
    set_.add_argument("--public-reason", default="", help="shown in the public modlog")
    set_.add_argument("--private-reason", default="", help="for admins only")
    set_.add_argument("--expires", help="ISO 8601 date and time when the policy lapses")
    set_.add_argument("--reject-media", action="store_true", help="also drop the domain's attachments")
    clear = domain_sub.add_parser("clear", help="remove a domain's policy")
    clear.add_argument("domain")
    domain_sub.add_parser("list", help="list domain policies")
    imp = domain_sub.add_parser("import", help="import a blocklist CSV in Mastodon's format")
    imp.add_argument("file", help="the CSV file, or - for standard input")
    exp = domain_sub.add_parser("export", help="export domain policies as CSV in Mastodon's format")
    exp.add_argument("file", nargs="?", default="-", help="where to write it (default: standard output)")
    mode = domain_sub.add_parser("mode", help="blocklist (default) or allowlist: only allowed domains federate")
    mode.add_argument("mode", choices=["blocklist", "allowlist"])
    domain.set_defaults(handler=cmd_domain)

    actor = sub.add_parser("actor", help="policies for single remote actors")
    actor_sub = actor.add_subparsers(dest="actor_action", required=True, metavar="ACTION")
    aset = actor_sub.add_parser("set", help="suspend, limit or trust a remote actor")
    aset.add_argument("account", help="name@host, an actor URI, or a numeric id")
    aset.add_argument("policy", choices=ACTOR_POLICIES)
    aset.add_argument("--reason", default="")
    aset.add_argument("--expires", help="ISO 8601 date and time when the policy lapses")
    aclear = actor_sub.add_parser("clear", help="remove an actor's policy")
    aclear.add_argument("account")
    actor_sub.add_parser("list", help="list actor policies")
    actor.set_defaults(handler=cmd_actor)

    rule = sub.add_parser("rule", help="keyword and regex content rules")
    rule_sub = rule.add_subparsers(dest="rule_action", required=True, metavar="ACTION")
    add = rule_sub.add_parser("add", help="add a rule")
    add.add_argument("pattern")
    add.add_argument("--action", required=True, choices=RULE_ACTIONS)
    add.add_argument("--regex", action="store_true", help="the pattern is a regular expression")
    add.add_argument("--target", action="append", choices=RULE_TARGETS, help="what to look at (repeat; default text)")
    add.add_argument("--group", help="only in this local group")
    add.add_argument("--note", default="")
    rule_sub.add_parser("list", help="list rules")
    remove = rule_sub.add_parser("remove", help="remove a rule")
    remove.add_argument("id", type=int)
    rule.set_defaults(handler=cmd_rule)

    held = sub.add_parser("held", help="the review queue of held activities")
    held_sub = held.add_subparsers(dest="held_action", required=True, metavar="ACTION")
    held_sub.add_parser("list", help="list held activities")
    approve = held_sub.add_parser("approve", help="approve: processing resumes as if it had just arrived")
    approve.add_argument("id", type=int)
    approve.add_argument("--trust", action="store_true", help="also trust the author (skip the new-account checks)")
    reject = held_sub.add_parser("reject", help="reject, optionally telling the author why")
    reject.add_argument("id", type=int)
    reject.add_argument("--reason", default="")
    held.set_defaults(handler=cmd_held)

    reports = sub.add_parser("reports", help="reports from users and other servers")
    reports_sub = reports.add_subparsers(dest="report_action", required=True, metavar="ACTION")
    rlist = reports_sub.add_parser("list", help="list reports")
    rlist.add_argument("--state", default=OPEN, choices=["open", "resolved", "dismissed"])
    for verb in ("resolve", "dismiss"):
        close = reports_sub.add_parser(verb, help=f"{verb} a report")
        close.add_argument("id", type=int)
        close.add_argument("--action-taken", default="", help="what was done about it")
    reports.set_defaults(handler=cmd_reports)

    modlog = sub.add_parser("modlog", help="show the moderation log, newest first")
    modlog.add_argument("--limit", type=int, default=50)
    modlog.set_defaults(handler=cmd_modlog)

    for parser in (domain, actor, rule, held, reports):
        parser.add_argument("--as", dest="as_admin", metavar="ADMIN", help="the admin to act as (default: the first)")
