"""Personal blocks and mutes on the web: the confirmation pages behind the Block / Mute menu of profiles and
posts (/actors/{account_id}/block and /mute), their forms, and the settings tab "Blocked and muted"."""
from __future__ import annotations

from aiohttp import web

from federation.people import blocks as people_blocks, mutes as people_mutes
from federation.people.blocks import BlockError
from federation.people.personal_filters import relationship_flags
from models.actors import Actor
from web import app_keys as keys
from web.pages.community_common import flash, read_form, see_other
from web.sessions import require_user
from web.templating import gettext, render_page, safe_next

# The durations offered for a mute (seconds; 0: until unmuted), as Mastodon's web app offers them.
DURATIONS = (0, 3600, 6 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600)
SETTINGS_PATH = "/settings/blocks"


async def _account(request: web.Request) -> Actor:
    raw = request.match_info["account_id"]
    actor = await Actor.filter(id=int(raw), deleted_at=None).exclude(type="Application").first() \
        if raw.isdigit() and len(raw) < 20 else None
    if actor is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such account."))
    return actor


def _next(request: web.Request, form: object, account: Actor) -> str:
    value = form.get("next") if hasattr(form, "get") else None  # type: ignore[union-attr]
    return safe_next(value if isinstance(value, str) else request.query.get("next"), _profile_path(account))


def _profile_path(account: Actor) -> str:
    if account.is_local:
        return f"/groups/{account.group_name}" if account.type == "Group" else f"/@{account.local_name}"
    return f"/@{account.username}@{account.domain}"


async def _confirm_page(request: web.Request, template: str, *, error: str = "", status: int = 200) -> web.Response:
    user = require_user(request)
    account = await _account(request)
    flags = (await relationship_flags(user, [account.id]))[account.id]
    return render_page(request, template, status=status, target=account, flags=flags, durations=DURATIONS,
                       next=safe_next(request.query.get("next"), _profile_path(account)), error=error,
                       is_self=account.id == user.id)


async def block_page(request: web.Request) -> web.Response:
    return await _confirm_page(request, "people/block.html")


async def mute_page(request: web.Request) -> web.Response:
    return await _confirm_page(request, "people/mute.html")


async def block(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    account = await _account(request)
    form = await read_form(request)
    try:
        await people_blocks.block(request.app[keys.FEDERATION], user, account)
    except BlockError as exc:
        return render_page(request, "people/block.html", status=422, target=account, error=gettext(request, str(exc)),
                           flags=(await relationship_flags(user, [account.id]))[account.id], next=_next(request, form, account),
                           is_self=account.id == user.id)
    raise see_other(_next(request, form, account), "blocked")


async def unblock(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    account = await _account(request)
    form = await read_form(request)
    await people_blocks.unblock(request.app[keys.FEDERATION], user, account)
    raise see_other(_next(request, form, account), "unblocked")


async def mute(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    account = await _account(request)
    form = await read_form(request)
    raw = form.get("duration", "0")
    duration = int(raw) if isinstance(raw, str) and raw.isdigit() and int(raw) in DURATIONS else None
    error = ""
    if duration is None:
        error = gettext(request, "Choose how long the mute lasts.")
    else:
        try:
            await people_mutes.mute(user, account, notifications=form.get("notifications") == "1",
                                    duration=duration or None)
        except BlockError as exc:
            error = gettext(request, str(exc))
    if error:
        return render_page(request, "people/mute.html", status=422, target=account, error=error, durations=DURATIONS,
                           flags=(await relationship_flags(user, [account.id]))[account.id],
                           next=_next(request, form, account), is_self=account.id == user.id)
    raise see_other(_next(request, form, account), "muted")


async def unmute(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    account = await _account(request)
    form = await read_form(request)
    await people_mutes.unmute(user, account)
    raise see_other(_next(request, form, account), "unmuted")


async def settings_page(request: web.Request) -> web.Response:
    user = require_user(request)
    return render_page(request, "people/settings.html", blocks=await people_blocks.blocked_accounts(user),
                       mutes=await people_mutes.muted_accounts(user), flash=flash(request), settings_path=SETTINGS_PATH)


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(SETTINGS_PATH, settings_page, name="settings_blocks")
    r.add_get("/actors/{account_id}/block", block_page, name="personal_block_page")
    r.add_post("/actors/{account_id}/block", block, name="personal_block")
    r.add_post("/actors/{account_id}/unblock", unblock, name="personal_unblock")
    r.add_get("/actors/{account_id}/mute", mute_page, name="personal_mute_page")
    r.add_post("/actors/{account_id}/mute", mute, name="personal_mute")
    r.add_post("/actors/{account_id}/unmute", unmute, name="personal_unmute")
