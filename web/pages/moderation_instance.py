"""The instance's moderation queue, for admins: held items, reports, domain and actor policies, content rules,
and the full moderation log."""
from __future__ import annotations

from aiohttp import web

from federation.http import FetchError
from federation.policy import admin as policy_admin
from federation.policy import rule_admin
from federation.policy.admin import PolicyError
from federation.policy.rules import RuleError
from federation.protocol.common import ProtocolError
from federation.resolve import ResolveError, get_actor, resolve_handle
from models.actors import Actor
from models.groups import HeldActivity
from models.moderation import (
    ACTOR_POLICIES, DOMAIN_POLICIES, RULE_ACTIONS, RULE_TARGETS, ActorPolicy, ContentRule, DomainPolicy,
    ModLogEntry, Report,
)
from web import app_keys as keys
from web.i18n import N_
from web.modlog_text import language_of, modlog_views
from web.pages.moderation_common import (
    DecisionFailed, add_rule_from_form, decide_held, decide_report, done, flash, held_views, int_path,
    modlog_rows, parse_expiry, posted_values, read_form, reason_of, report_views,
)
from web.pages.moderation_lists import HELD_REASONS, decide_held_items, held_items, open_reports, queue_filter
from web.sessions import require_admin_user
from web.templating import gettext, render_page

QUEUE = "/moderation/instance"
RECENT_LOG = 10
KINDS = ("held", "reports")


async def _queue_page(
    request: web.Request, *, error: str = "", status: int = 200, forms: dict[str, dict[str, object]] | None = None,
) -> web.Response:
    chosen = queue_filter(request.query, KINDS)
    log = await modlog_views(list(await ModLogEntry.all().order_by("-id").limit(RECENT_LOG)), language_of(request),
                             private=True)
    return render_page(
        request, "moderation/instance.html", status=status, path=QUEUE, chosen=chosen,
        held=await held_views(await held_items(chosen)), reports=await report_views(await open_reports(chosen)),
        domains=await DomainPolicy.all().order_by("domain"),
        actors=await ActorPolicy.all().order_by("id").prefetch_related("actor"),
        rules=await ContentRule.filter(group=None).order_by("id"), log=log, held_reasons=HELD_REASONS,
        domain_policies=DOMAIN_POLICIES, actor_policies=ACTOR_POLICIES, rule_actions=RULE_ACTIONS,
        rule_targets=RULE_TARGETS, flash=flash(request), error=error, forms=forms or {},
    )


async def instance_queue(request: web.Request) -> web.StreamResponse:
    require_admin_user(request)
    return await _queue_page(request)


async def decide_held_item(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    item = await HeldActivity.filter(id=int_path(request, "held_id")).first()
    if item is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such held item."))
    try:
        code = await decide_held(request, admin, item, form)
    except DecisionFailed as exc:
        return await _queue_page(request, status=exc.status, error=str(exc))
    raise done(QUEUE, code, queue_filter(form, KINDS).query_string())


async def decide_selected_held(request: web.Request) -> web.StreamResponse:
    """The bulk form: approve or reject every ticked held item, with one reason."""
    admin = require_admin_user(request)
    form = await read_form(request)
    try:
        code = await decide_held_items(request, admin, form)
    except DecisionFailed as exc:
        return await _queue_page(request, status=exc.status, error=str(exc))
    raise done(QUEUE, code, queue_filter(form, KINDS).query_string())


async def decide_report_item(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    report = await Report.filter(id=int_path(request, "report_id")).first()
    if report is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such report."))
    try:
        code = await decide_report(request, admin, report, form)
    except DecisionFailed as exc:
        return await _queue_page(request, status=exc.status, error=str(exc))
    raise done(QUEUE, code, queue_filter(form, KINDS).query_string())


async def set_domain(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    try:
        await policy_admin.set_domain_policy(
            request.app[keys.FEDERATION], admin, form.get("domain", ""), form.get("policy", ""),
            public_reason=form.get("public_reason", "").strip(), private_reason=form.get("private_reason", "").strip(),
            expires_at=parse_expiry(form.get("expires_at", "")), reject_media=bool(form.get("reject_media")),
        )
    except (PolicyError, ValueError) as exc:
        return await _queue_page(request, status=422, error=gettext(request, str(exc)),
                                 forms={"domain": await posted_values(request)})
    raise done(QUEUE, "policy-set")


async def clear_domain(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    try:
        await policy_admin.remove_domain_policy(request.app[keys.FEDERATION], admin, form.get("domain", ""),
                                                reason=reason_of(form))
    except PolicyError as exc:
        return await _queue_page(request, status=422, error=gettext(request, str(exc)))
    raise done(QUEUE, "policy-cleared")


async def _account(request: web.Request, raw: str) -> Actor:
    """A remote account by @name@host or actor URI, looked up when not known yet."""
    fed = request.app[keys.FEDERATION]
    raw = raw.strip()
    if not raw:
        raise ValueError(N_("Name the account: @name@example.com or its address."))
    try:
        return await (get_actor(fed, raw) if raw.startswith(("https://", "http://")) else resolve_handle(fed, raw))
    except (ResolveError, FetchError, ProtocolError) as exc:
        raise ValueError(f"That account was not found: {exc}") from None


async def set_actor(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    try:
        expires_at = parse_expiry(form.get("expires_at", ""))
        target = await _account(request, form.get("account", ""))
        await policy_admin.set_actor_policy(request.app[keys.FEDERATION], admin, target, form.get("policy", ""),
                                            reason=reason_of(form), expires_at=expires_at)
    except (PolicyError, ValueError) as exc:
        return await _queue_page(request, status=422, error=gettext(request, str(exc)),
                                 forms={"actor": await posted_values(request)})
    raise done(QUEUE, "policy-set")


async def clear_actor(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    target = await Actor.filter(id=int_path(request, "actor_id")).first()
    if target is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such account."))
    await policy_admin.remove_actor_policy(request.app[keys.FEDERATION], admin, target, reason=reason_of(form))
    raise done(QUEUE, "policy-cleared")


async def add_rule(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    try:
        await add_rule_from_form(request, admin, None)
    except RuleError as exc:
        return await _queue_page(request, status=422, error=gettext(request, str(exc)),
                                 forms={"rule": await posted_values(request)})
    raise done(QUEUE, "rule-added")


async def remove_rule(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    if not await rule_admin.remove_rule(request.app[keys.FEDERATION], admin, None, int_path(request, "rule_id"),
                                        reason=reason_of(form)):
        raise web.HTTPNotFound(text=gettext(request, "There is no such rule."))
    raise done(QUEUE, "rule-removed")


async def modlog(request: web.Request) -> web.StreamResponse:
    require_admin_user(request)
    log, next_url = await modlog_rows(request, private=True)
    return render_page(request, "moderation/modlog.html", log=log, next_url=next_url)


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(QUEUE, instance_queue, name="moderation_instance")
    r.add_post(QUEUE + "/held", decide_selected_held, name="moderation_instance_held_selected")
    r.add_post(QUEUE + "/held/{held_id}", decide_held_item, name="moderation_instance_held")
    r.add_post(QUEUE + "/reports/{report_id}", decide_report_item, name="moderation_instance_report")
    r.add_post(QUEUE + "/domains", set_domain, name="moderation_domain_set")
    r.add_post(QUEUE + "/domains/clear", clear_domain, name="moderation_domain_clear")
    r.add_post(QUEUE + "/actors", set_actor, name="moderation_actor_set")
    r.add_post(QUEUE + "/actors/{actor_id}/clear", clear_actor, name="moderation_actor_clear")
    r.add_post(QUEUE + "/rules", add_rule, name="moderation_instance_rule_add")
    r.add_post(QUEUE + "/rules/{rule_id}/remove", remove_rule, name="moderation_instance_rule_remove")
    r.add_get(QUEUE + "/log", modlog, name="moderation_log")
