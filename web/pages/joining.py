"""Getting in: a group's join form (questions, rules, invitations, sign-up on the way), its joining settings
and invitation links for moderators, and the welcome page a new person lands on."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from federation.actions import ActionError
from federation.community import joining
from federation.community.joining_dm import essentials_path, join_path, settings_of
from federation.groups.access import is_moderator
from federation.groups.admin import rule_lines
from federation.content import render_text
from federation.local_actors import create_user
from models.accounts import OPEN
from models.actors import Actor, LocalUser
from models.follows import ACCEPTED
from models.groups import GroupProfile
from models.joining import MAX_QUESTIONS
from web import app_keys as keys
from web.accounts import AccountError, free_name, checked_password_hash, registration_mode
from web.i18n import N_
from web.pages.community_common import (
    blurbs, follow_state, follower_counts, read_form, see_other, text_field, viewer_of,
)
from web.pages.community_groups import local_group
from web.sessions import require_user, start_session
from web.templating import gettext, render_page

SUGGESTIONS = 6
INVITE_DAYS = ("1", "7", "30", "")
NOTICES = {
    "joining_saved": N_("How people join is saved."),
    "invite_created": N_("The invitation link is ready. Copy it from the list below."),
    "invite_revoked": N_("The invitation link no longer works."),
}

# What federation/community/joining.py refuses with, marked here for translation (shown through gettext).
REFUSALS = (
    N_("Tick the box to agree to the group's rules."), N_("Answer every question."),
    N_("An answer is too long: at most 2000 characters."), N_("This invitation link is not valid."),
    N_("This invitation link has expired. Ask the group's moderators for a new one."),
    N_("This invitation link has been used up. Ask the group's moderators for a new one."),
    N_("This invitation link was withdrawn. Ask the group's moderators for a new one."),
    N_("A group asks at most 3 questions."), N_("A question is too long: at most 300 characters."),
    N_("The welcome message is too long: at most 5000 characters."),
    N_("The number of uses must be between 1 and 10000."), N_("The expiry must be in the future."),
)


def _notice(request: web.Request) -> str:
    key = request.query.get("notice", "")
    return gettext(request, NOTICES[key]) if key in NOTICES else ""


# --- the join form ------------------------------------------------------------------------------------------------


async def _invite_problem(request: web.Request, group: Actor, code: str) -> str:
    if not code:
        return ""
    try:
        await joining.valid_invite(group, code)
    except ActionError as exc:
        return gettext(request, str(exc))
    return ""


async def _signup_allowed(group: Actor, code: str, invite_ok: bool) -> bool:
    """Open servers let anyone sign up here. On servers that ask for an invitation or approve sign-ups, a valid
    group invitation counts as the server's invitation only when one of the server's admins made it: a group's
    moderators cannot open the server to people its admins have not let in."""
    if await registration_mode() == OPEN:
        return True
    if not invite_ok:
        return False
    invite = await joining.valid_invite(group, code)
    return invite.created_by_id is not None and await LocalUser.filter(
        actor_id=invite.created_by_id, is_admin=True, suspended_at=None).exists()


async def join_page(request: web.Request, *, error: str = "", form: dict[str, Any] | None = None,
                    status: int = 200) -> web.StreamResponse:
    group = await local_group(request)
    viewer = viewer_of(request)
    code = (form or {}).get("invite") or request.query.get("invite", "")
    code = str(code)[:64]
    invite_error = await _invite_problem(request, group, code)
    invite_ok = bool(code) and not invite_error
    needs = await joining.requirements(group, invited=invite_ok)
    profile = await GroupProfile.filter(group=group).first()
    state = await follow_state(viewer, group)
    return render_page(
        request, "community/join_group.html", status=status, group=group, needs=needs,
        rules=rule_lines(profile.rules if profile else ""), invite=code if invite_ok else "",
        invite_error=invite_error, state=state, form=form or {}, error=error,
        signup=viewer is None and await _signup_allowed(group, code, invite_ok),
        next_url=join_path(group) + (f"?invite={code}" if invite_ok else ""),
    )


def _answers(form: MultiDictProxy[Any]) -> list[str]:
    return [text_field(form, f"answer{i}", joining.MAX_ANSWER + 1) for i in range(1, MAX_QUESTIONS + 1)]


def _kept(form: MultiDictProxy[Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {f"answer{i}": text_field(form, f"answer{i}", joining.MAX_ANSWER + 1)
                            for i in range(1, MAX_QUESTIONS + 1)}
    kept.update(agree=bool(form.get("agree")), invite=text_field(form, "invite", 64),
                username=text_field(form, "username", 64), email=text_field(form, "email", 255))
    return kept


async def join_submit(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    group = await local_group(request)
    form = await read_form(request)
    kept = _kept(form)
    try:
        follow = await joining.join(request.app[keys.FEDERATION], user, group, answers=_answers(form),
                                    agreed_rules=kept["agree"], invite_code=kept["invite"])
    except ActionError as exc:
        return await join_page(request, error=gettext(request, str(exc)), form=kept, status=exc.status)
    raise see_other(f"/groups/{group.group_name}", "joined" if follow.state == ACCEPTED else "requested")


async def signup_submit(request: web.Request) -> web.StreamResponse:
    """Sign up and join in one form: on an open server, or with a valid invitation link to this group."""
    group = await local_group(request)
    form = await read_form(request)
    kept = _kept(form)
    code = kept["invite"]
    invite_ok = bool(code) and not await _invite_problem(request, group, code)
    if not await _signup_allowed(group, code, invite_ok):
        raise web.HTTPForbidden(text=gettext(request, "This server takes new members by invitation."))
    fed = request.app[keys.FEDERATION]
    try:
        needs = await joining.requirements(group, invited=invite_ok)
        if needs.rules and not kept["agree"]:
            raise joining.JoinRefused(joining.RULES_NOT_AGREED, status=422)
        name = await free_name(kept["username"])
        password_hash = checked_password_hash(str(form.get("password", "")), str(form.get("confirm", "")))
    except (AccountError, ActionError) as exc:
        return await join_page(request, error=gettext(request, str(exc)), form=kept,
                               status=getattr(exc, "status", 422))
    user = await create_user(fed, name, password_hash=password_hash)
    try:
        await joining.join(fed, user, group, answers=_answers(form), agreed_rules=kept["agree"],
                           invite_code=code if invite_ok else "")
    except ActionError:
        pass  # the account exists: the welcome page says how to join
    response = web.HTTPSeeOther(f"/welcome?group={group.group_name}")
    await start_session(request, response, user)
    raise response


# --- settings and invitations for moderators ----------------------------------------------------------------------


async def _moderated(request: web.Request) -> tuple[Actor, Actor]:
    user = require_user(request)
    group = await local_group(request)
    if not await is_moderator(group, user):
        raise web.HTTPForbidden(text=gettext(request, "Only the group's owner and moderators can change it."))
    return user, group


async def settings_page(request: web.Request, *, error: str = "", form: dict[str, Any] | None = None,
                        status: int = 200) -> web.StreamResponse:
    _, group = await _moderated(request)
    if form is None:
        settings = await settings_of(group)
        questions = list(settings.questions) if settings else []
        form = {f"question{i + 1}": q for i, q in enumerate(questions)}
        form.update(require_rules=bool(settings and settings.require_rules), welcome=settings.welcome if settings else "")
    invites = await joining.list_invites(group)
    return render_page(
        request, "community/join_settings.html", status=status, group=group, form=form, error=error,
        invites=invites, states={invite.id: joining.invite_state(invite) for invite in invites},
        base_url=request.app[keys.FEDERATION].base_url, flash=_notice(request), max_questions=MAX_QUESTIONS,
    )


async def settings_submit(request: web.Request) -> web.StreamResponse:
    user, group = await _moderated(request)
    form = await read_form(request)
    kept = {f"question{i}": text_field(form, f"question{i}", 1000) for i in range(1, MAX_QUESTIONS + 1)}
    kept.update(require_rules=bool(form.get("require_rules")), welcome=text_field(form, "welcome", 20000))
    try:
        await joining.save_settings(user, group, questions=[kept[f"question{i}"] for i in range(1, MAX_QUESTIONS + 1)],
                                    require_rules=kept["require_rules"], welcome=kept["welcome"])
    except ActionError as exc:
        return await settings_page(request, error=gettext(request, str(exc)), form=kept, status=exc.status)
    raise see_other(f"/groups/{group.group_name}/joining", "joining_saved")


async def invite_create(request: web.Request) -> web.StreamResponse:
    user, group = await _moderated(request)
    form = await read_form(request)
    days = text_field(form, "days", 4)
    uses = text_field(form, "max_uses", 6)
    if (days and not days.isdigit()) or (uses and not uses.isdigit()) or (days and not 1 <= int(days) <= 365):
        return await settings_page(request, error=gettext(request, "Choose an expiry, and a number of uses (or none)."),
                                   status=422)
    expires_at = datetime.now(timezone.utc) + timedelta(days=int(days)) if days else None
    try:
        await joining.create_invite(user, group, expires_at=expires_at, max_uses=int(uses) if uses else None)
    except ActionError as exc:
        return await settings_page(request, error=gettext(request, str(exc)), status=exc.status)
    raise see_other(f"/groups/{group.group_name}/joining#invites", "invite_created")


async def invite_revoke(request: web.Request) -> web.StreamResponse:
    user, group = await _moderated(request)
    raw = request.match_info["invite_id"]
    if not raw.isdigit():
        raise web.HTTPNotFound()
    try:
        await joining.revoke_invite(user, group, int(raw))
    except ActionError as exc:
        raise web.HTTPNotFound(text=gettext(request, str(exc))) from None
    raise see_other(f"/groups/{group.group_name}/joining#invites", "invite_revoked")


# --- the welcome page ---------------------------------------------------------------------------------------------


async def popular_groups(limit: int = SUGGESTIONS) -> list[Actor]:
    """Popular public groups of this server (listed, not private), most members first."""
    candidates = await Actor.filter(type="Group", is_local=True, deleted_at=None, manually_approves=False,
                                    discoverable=True).order_by("-id").limit(200)
    counts = await follower_counts([group.id for group in candidates])
    return sorted(candidates, key=lambda group: (-counts.get(group.id, 0), -group.id))[:limit]


async def welcome_page(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    joined: Actor | None = None
    joined_state = "none"
    welcome = ""
    name = request.query.get("group", "")[:64].lower()
    if name:
        joined = await Actor.filter(type="Group", is_local=True, deleted_at=None, group_name=name).first()
    if joined is not None:
        joined_state = await follow_state(user, joined)
        settings = await settings_of(joined)
        if joined_state == "following" and settings is not None and settings.welcome.strip():
            welcome = render_text(settings.welcome, mention_urls={}, tag_url=request.app[keys.FEDERATION].urls.tag)
    groups = [group for group in await popular_groups(SUGGESTIONS + 1) if joined is None or group.id != joined.id]
    groups = groups[:SUGGESTIONS]
    states = {group.id: await follow_state(user, group) for group in groups}
    return render_page(
        request, "community/welcome.html", joined=joined, joined_state=joined_state, welcome=welcome,
        essentials=essentials_path(joined) if joined else "", groups=groups, states=states,
        counts=await follower_counts([group.id for group in groups]), blurbs=await blurbs(groups),
    )


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/welcome", welcome_page, name="welcome")
    r.add_get("/groups/{name}/join", join_page, name="group_join")
    r.add_post("/groups/{name}/join", join_submit, name="group_join_submit")
    r.add_post("/groups/{name}/join/signup", signup_submit, name="group_join_signup")
    r.add_get("/groups/{name}/joining", settings_page, name="group_joining")
    r.add_post("/groups/{name}/joining", settings_submit, name="group_joining_submit")
    r.add_post("/groups/{name}/invites", invite_create, name="group_invite_create")
    r.add_post("/groups/{name}/invites/{invite_id}/revoke", invite_revoke, name="group_invite_revoke")
