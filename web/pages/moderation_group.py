"""A group's moderation queue: join requests, held posts, reports, content rules and the group's modlog."""
from __future__ import annotations

from aiohttp import web

from federation.actions import ActionError
from federation.groups.access import is_moderator
from federation.groups.membership import decide_join
from federation.community.joining import answer_pairs, answers_for
from federation.policy import rule_admin
from federation.policy.rules import RuleError
from models.actors import Actor
from models.follows import PENDING, Follow
from models.groups import HeldActivity
from models.moderation import RULE_ACTIONS, RULE_TARGETS, ContentRule, Report
from web import app_keys as keys
from web.pages.moderation_common import (
    DecisionFailed, add_rule_from_form, decide_held, decide_report, done, flash, held_views, int_path, modlog_rows,
    posted_values, read_form, reason_of, report_views,
)
from web.pages.moderation_lists import (
    HELD_REASONS, decide_held_items, decide_requests, held_items, open_reports, pending_requests, queue_filter,
)
from web.sessions import require_user
from web.templating import gettext, render_page

KINDS = ("requests", "held", "reports")


async def _moderated_group(request: web.Request) -> tuple[Actor, Actor]:
    """(moderator, group) for the group named in the path; 403 for anyone but its moderators."""
    user = require_user(request)
    group = await Actor.filter(type="Group", is_local=True, deleted_at=None,
                               group_name=request.match_info["name"].lower()).first()
    if group is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no group by that name here."))
    if not await is_moderator(group, user):
        raise web.HTTPForbidden(text=gettext(request, "Only this group's moderators see its queue."))
    return user, group


def queue_path(group: Actor) -> str:
    return f"/moderation/groups/{group.group_name}"


async def _queue_page(
    request: web.Request, group: Actor, *, error: str = "", status: int = 200,
    forms: dict[str, dict[str, object]] | None = None,
) -> web.Response:
    chosen = queue_filter(request.query, KINDS)
    log, next_url = await modlog_rows(request, group=group)
    requests = await pending_requests(group, chosen)
    return render_page(
        request, "moderation/group.html", status=status, group=group, path=queue_path(group), chosen=chosen,
        requests=requests, held=await held_views(await held_items(chosen, group)),
        reports=await report_views(await open_reports(chosen, group)),
        rules=await ContentRule.filter(group=group).order_by("id"), log=log, next_url=next_url,
        held_reasons=HELD_REASONS, flash=flash(request), error=error, rule_actions=RULE_ACTIONS,
        rule_targets=RULE_TARGETS, forms=forms or {},
        join_answers=await join_answer_pairs(group, requests),
    )


async def group_queue(request: web.Request) -> web.StreamResponse:
    _, group = await _moderated_group(request)
    return await _queue_page(request, group)


async def decide_request(request: web.Request) -> web.StreamResponse:
    moderator, group = await _moderated_group(request)
    form = await read_form(request)
    follow = await Follow.filter(id=int_path(request, "follow_id"), target=group, state=PENDING).first()
    if follow is None:
        return await _queue_page(request, group, status=409,
                                 error=gettext(request, "That join request was already decided or withdrawn."))
    approve = form.get("decision") == "approve"
    if not approve and form.get("decision") != "reject":
        return await _queue_page(request, group, status=422, error=gettext(request, "Choose approve or reject."))
    try:
        await decide_join(request.app[keys.FEDERATION], moderator, follow, approve=approve, reason=reason_of(form))
    except ActionError as exc:
        return await _queue_page(request, group, status=exc.status, error=gettext(request, str(exc)))
    raise done(queue_path(group), "join-approved" if approve else "join-rejected",
               queue_filter(form, KINDS).query_string())


async def decide_selected_requests(request: web.Request) -> web.StreamResponse:
    """The bulk form: approve or reject every ticked join request, with one reason."""
    moderator, group = await _moderated_group(request)
    form = await read_form(request)
    try:
        code = await decide_requests(request, moderator, group, form)
    except DecisionFailed as exc:
        return await _queue_page(request, group, status=exc.status, error=str(exc))
    raise done(queue_path(group), code, queue_filter(form, KINDS).query_string())


async def decide_selected_held(request: web.Request) -> web.StreamResponse:
    """The bulk form: approve or reject every ticked held post, with one reason (a rejection sends it)."""
    moderator, group = await _moderated_group(request)
    form = await read_form(request)
    try:
        code = await decide_held_items(request, moderator, form, group)
    except DecisionFailed as exc:
        return await _queue_page(request, group, status=exc.status, error=str(exc))
    raise done(queue_path(group), code, queue_filter(form, KINDS).query_string())


async def decide_held_item(request: web.Request) -> web.StreamResponse:
    moderator, group = await _moderated_group(request)
    form = await read_form(request)
    item = await HeldActivity.filter(id=int_path(request, "held_id"), group=group).first()
    if item is None:
        raise web.HTTPNotFound(text=gettext(request, "That item is not in this group's queue."))
    try:
        code = await decide_held(request, moderator, item, form)
    except DecisionFailed as exc:
        return await _queue_page(request, group, status=exc.status, error=str(exc))
    raise done(queue_path(group), code, queue_filter(form, KINDS).query_string())


async def decide_report_item(request: web.Request) -> web.StreamResponse:
    moderator, group = await _moderated_group(request)
    form = await read_form(request)
    report = await Report.filter(id=int_path(request, "report_id"), group=group).first()
    if report is None:
        raise web.HTTPNotFound(text=gettext(request, "That report is not about this group."))
    try:
        code = await decide_report(request, moderator, report, form)
    except DecisionFailed as exc:
        return await _queue_page(request, group, status=exc.status, error=str(exc))
    raise done(queue_path(group), code, queue_filter(form, KINDS).query_string())


async def add_rule(request: web.Request) -> web.StreamResponse:
    moderator, group = await _moderated_group(request)
    try:
        await add_rule_from_form(request, moderator, group)
    except RuleError as exc:
        return await _queue_page(request, group, status=422, error=gettext(request, str(exc)),
                                 forms={"rule": await posted_values(request)})
    raise done(queue_path(group), "rule-added")


async def remove_rule(request: web.Request) -> web.StreamResponse:
    moderator, group = await _moderated_group(request)
    form = await read_form(request)
    if not await rule_admin.remove_rule(request.app[keys.FEDERATION], moderator, group, int_path(request, "rule_id"),
                                        reason=reason_of(form)):
        raise web.HTTPNotFound(text=gettext(request, "That rule is not one of this group's."))
    raise done(queue_path(group), "rule-removed")


def setup(app: web.Application) -> None:
    r = app.router
    base = "/moderation/groups/{name}"
    r.add_get(base, group_queue, name="moderation_group")
    r.add_post(base + "/requests", decide_selected_requests, name="moderation_group_requests")
    r.add_post(base + "/requests/{follow_id}", decide_request, name="moderation_group_request")
    r.add_post(base + "/held", decide_selected_held, name="moderation_group_held_selected")
    r.add_post(base + "/held/{held_id}", decide_held_item, name="moderation_group_held")
    r.add_post(base + "/reports/{report_id}", decide_report_item, name="moderation_group_report")
    r.add_post(base + "/rules", add_rule, name="moderation_group_rule_add")
    r.add_post(base + "/rules/{rule_id}/remove", remove_rule, name="moderation_group_rule_remove")


async def join_answer_pairs(group: Actor, requests: list[Follow]) -> dict[int, object]:
    """Each requester's answers to the join questions (and whether they agreed to the rules), by person."""
    answers = await answers_for(group, [follow.follower_id for follow in requests])
    return {person: {"pairs": answer_pairs(answer), "agreed": answer.agreed_rules, "asked": answer.answered_at is None}
            for person, answer in answers.items()}
