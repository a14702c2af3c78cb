"""The members directory of a group, for its moderators: search and filters, member tags, and the actions at hand
(promote or demote, remove, ban or make read only with an end date, and undo them) at
/moderation/groups/{name}/members, linked from the group's members page."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Mapping
from urllib.parse import parse_qsl, urlencode

from aiohttp import web
from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton

from federation.actions import ActionError
from federation.community import members_tags
from federation.community.members_directory import ROLES, STANDINGS, DirectoryFilter, directory
from federation.groups import moderation
from federation.groups.access import is_moderator
from federation.protocol.common import parse_datetime
from models.actors import Actor
from models.groups import OWNER, GroupRole
from web import app_keys as keys
from web.i18n import N_
from web.pages.moderation_common import parse_expiry, read_form, reason_of
from web.sessions import require_user
from web.templating import gettext, render_page, request_locale

FILTER_FIELDS = ("q", "role", "tag", "standing", "joined_after", "joined_before")
ACTIONS = ("promote", "demote", "remove", "ban", "unban", "mute", "unmute", "tag", "untag")
DONE = {
    "promote": N_("They are a moderator now."),
    "demote": N_("They are no longer a moderator."),
    "remove": N_("They were removed from the group."),
    "ban": N_("They are banned."),
    "unban": N_("The ban was lifted."),
    "mute": N_("They can read but not post until the date you set."),
    "unmute": N_("They can post again."),
    "tag": N_("The tag was given."),
    "untag": N_("The tag was taken away."),
    "tag-defined": N_("The tag was created."),
    "tag-deleted": N_("The tag was deleted."),
    "tag-renamed": N_("The tag was renamed."),
}
COMPUTED_NAMES = {
    members_tags.NEW: N_("New"), members_tags.ACTIVE: N_("Active"), members_tags.TOP: N_("Top contributor"),
}


def directory_path(group: Actor) -> str:
    return f"/moderation/groups/{group.group_name}/members"


async def _moderated_group(request: web.Request) -> tuple[Actor, Actor]:
    user = require_user(request)
    group = await Actor.filter(type="Group", is_local=True, deleted_at=None,
                               group_name=request.match_info["name"].lower()).first()
    if group is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no group by that name here."))
    if not await is_moderator(group, user):
        raise web.HTTPForbidden(text=gettext(request, "Only this group's moderators see its members directory."))
    return user, group


def _date(raw: str) -> datetime | None:
    value = parse_datetime(raw) if raw else None
    return value.replace(hour=0, minute=0, second=0, microsecond=0) if value else None


def filter_from(values: Mapping[str, str]) -> DirectoryFilter:
    page = values.get("page", "")
    return DirectoryFilter(
        query=values.get("q", ""), role=values.get("role", ""), tag=values.get("tag", "")[:20],
        standing=values.get("standing", ""), joined_after=_date(values.get("joined_after", "")),
        joined_before=_date(values.get("joined_before", "")), page=int(page) if page.isdigit() else 1,
    )


def filter_query(chosen: DirectoryFilter, page: int | None = None) -> str:
    pairs = [("q", chosen.query), ("role", chosen.role), ("tag", chosen.tag), ("standing", chosen.standing),
             ("joined_after", chosen.joined_after.date().isoformat() if chosen.joined_after else ""),
             ("joined_before", chosen.joined_before.date().isoformat() if chosen.joined_before else "")]
    if page and page > 1:
        pairs.append(("page", str(page)))
    return urlencode([(k, v) for k, v in pairs if v])


def short_date(request: web.Request, value: datetime) -> str:
    """12 Dec: the day a ban or a read-only spell ends, in the reader's language."""
    try:
        locale = request_locale(request).replace("-", "_")
        where = Locale.parse("en_GB" if locale == "en" else locale)  # 12 Dec, as web/timezones.py writes dates
    except (ValueError, UnknownLocaleError):
        where = Locale.parse("en_GB")
    same_year = value.year == datetime.now(timezone.utc).year
    return format_skeleton("MMMd" if same_year else "yMMMd", value, locale=where)


async def _page(request: web.Request, user: Actor, group: Actor, chosen: DirectoryFilter, *, error: str = "",
                status: int = 200) -> web.Response:
    found = await directory(group, chosen)
    path = directory_path(group)
    query = filter_query(chosen)
    code = request.query.get("done", "")
    return render_page(
        request, "community/members_directory.html", status=status, group=group, path=path, chosen=chosen,
        rows=found.rows, tags=await members_tags.defined_tags(group), roles=ROLES, standings=STANDINGS,
        computed=COMPUTED_NAMES, owner=await GroupRole.filter(group=group, actor=user, role=OWNER).exists(),
        back=query, error=error, flash=gettext(request, DONE[code]) if code in DONE else "",
        date_of=lambda value: short_date(request, value),
        next_url=f"{path}?{filter_query(chosen, chosen.page + 1)}" if found.more else None,
        previous_url=f"{path}?{filter_query(chosen, chosen.page - 1)}" if chosen.page > 1 else None,
    )


async def directory_page(request: web.Request) -> web.StreamResponse:
    user, group = await _moderated_group(request)
    return await _page(request, user, group, filter_from(request.query))


def _back(group: Actor, form: Mapping[str, str], code: str) -> web.HTTPSeeOther:
    """Post/redirect/get: back to the directory as it was filtered, saying what happened."""
    query = filter_query(filter_from(dict(parse_qsl(form.get("back", "")[:1000]))))
    return web.HTTPSeeOther(f"{directory_path(group)}?{query + '&' if query else ''}done={code}")


async def _act(request: web.Request, user: Actor, group: Actor, target: Actor, action: str,
               form: Mapping[str, str]) -> None:
    fed = request.app[keys.FEDERATION]
    if action in ("promote", "demote"):
        await moderation.set_moderator(fed, user, group, target, action == "promote")
    elif action == "remove":
        await moderation.remove_member(fed, user, group, target)
    elif action in ("ban", "mute"):
        try:
            expires_at = parse_expiry(form.get("until", ""))
        except ValueError as exc:
            raise ActionError(str(exc), status=422) from None
        if action == "mute" and expires_at is None:
            raise ActionError(N_("Choose the day they may post again."), status=422)
        act = moderation.ban_member if action == "ban" else moderation.mute_member
        await act(fed, user, group, target, reason=reason_of(form), expires_at=expires_at)
    elif action == "unban":
        await moderation.unban_member(fed, user, group, target)
    elif action == "unmute":
        await moderation.unmute_member(fed, user, group, target)
    elif action == "tag":
        await members_tags.assign_tag(user, group, target, form.get("tag", ""))
    elif action == "untag":
        await members_tags.unassign_tag(user, group, target, form.get("tag", ""))


async def member_action(request: web.Request) -> web.StreamResponse:
    user, group = await _moderated_group(request)
    form = await read_form(request)
    raw = request.match_info["account_id"]
    target = await Actor.filter(id=int(raw), deleted_at=None).first() if raw.isdigit() else None
    if target is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such account."))
    action = form.get("action", "")
    chosen = filter_from(dict(parse_qsl(form.get("back", "")[:1000])))
    if action not in ACTIONS:
        return await _page(request, user, group, chosen, status=422, error=gettext(request, "Choose an action."))
    try:
        await _act(request, user, group, target, action, form)
    except ActionError as exc:
        return await _page(request, user, group, chosen, status=exc.status, error=gettext(request, str(exc)))
    raise _back(group, form, action)


async def tags_action(request: web.Request) -> web.StreamResponse:
    """Define a tag (field `name`), rename one (field `rename`, its id, and `name`) or delete one (field `delete`,
    its id)."""
    user, group = await _moderated_group(request)
    form = await read_form(request)
    chosen = filter_from(dict(parse_qsl(form.get("back", "")[:1000])))
    try:
        if form.get("delete"):
            await members_tags.delete_tag(user, group, form["delete"])
            code = "tag-deleted"
        elif form.get("rename"):
            await members_tags.rename_tag(user, group, form["rename"], form.get("name", ""))
            code = "tag-renamed"
        else:
            await members_tags.define_tag(user, group, form.get("name", ""))
            code = "tag-defined"
    except ActionError as exc:
        return await _page(request, user, group, chosen, status=exc.status, error=gettext(request, str(exc)))
    raise _back(group, form, code)


def setup(app: web.Application) -> None:
    r = app.router
    base = "/moderation/groups/{name}/members"
    r.add_get(base, directory_page, name="members_directory")
    r.add_post(base + "/{account_id}", member_action, name="members_directory_action")
    r.add_post("/moderation/groups/{name}/member-tags", tags_action, name="members_directory_tags")
