"""A group's Essentials tab (/groups/{name}/essentials): threads its moderators keep at hand in named, ordered
sections, with "Start here" first for newcomers and a filter; the moderators' forms for sections and threads;
adding a thread from its page; and the same URL as an ActivityPub collection for servers that ask for JSON.

Who sees what is federation/audience.py's: a private group's essentials are for its members (a signed fetch by a
member's server for ActivityPub, else 404), and each thread only for whom may see it.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from federation import audience
from federation.actions import ActionError
from federation.authenticate import AuthError, signed_fetcher
from federation.community import essentials as actions
from federation.community.essentials_read import collection, is_newcomer, sections_for
from federation.reports import create_report
from models.actors import Actor
from models.essentials import SECTION_NAME_LENGTH, EssentialItem, EssentialSection
from web import app_keys as keys
from web.i18n import N_
from web.negotiation import activity_response, wants_activity_json
from web.pages.community_common import flash, read_form, see_other, text_field, viewer_of, visible_post
from web.pages.community_groups import group_header, local_group
from web.sessions import require_user
from web.templating import gettext, render_page, safe_next

NOTICES = {
    "section_created": N_("The section is added."),
    "section_saved": N_("The section is saved."),
    "section_deleted": N_("The section is deleted. Its threads stay in the group."),
    "added": N_("The thread is in the essentials now."),
    "removed": N_("The thread is no longer in the essentials."),
    "moved": N_("The order is saved."),
}
# What a moderator reads when a change is refused (federation/community/essentials.py's messages).
ERRORS = {
    "give the section a name": N_("Give the section a name."),
    f"a section's name has at most {SECTION_NAME_LENGTH} characters":
        N_("A section's name has at most 100 characters."),
    "the group already has a section with this name": N_("The group already has a section with this name."),
    f"a group has at most {actions.MAX_SECTIONS} sections of essentials": N_("A group has at most 20 sections."),
    f"a group has at most {actions.MAX_ITEMS} essential threads": N_("A group has at most 200 essential threads."),
    "only the group's own threads can be essentials": N_("Only the group's own threads can be essentials."),
}


def _error(request: web.Request, exc: ActionError) -> str:
    message = ERRORS.get(str(exc))
    return gettext(request, message) if message else str(exc)


def _notice(request: web.Request) -> str:
    key = request.query.get("notice", "")
    return gettext(request, NOTICES[key]) if key in NOTICES else flash(request)


async def _ap_viewer(request: web.Request) -> audience.Viewer:
    """Who signed this GET (authorized fetch); a bad signature is a 401."""
    path, _, query = request.raw_path.partition("?")
    try:
        signer = await signed_fetcher(request.app[keys.FEDERATION], method=request.method, path=path,
                                      query_string=query, headers=request.headers)
    except AuthError as exc:
        raise web.HTTPUnauthorized(text=exc.reason) from None
    return audience.viewer_of(signer)


async def essentials_page(request: web.Request, *, error: str = "", form: dict[str, str] | None = None,
                          status: int = 200) -> web.StreamResponse:
    group = await local_group(request)
    if wants_activity_json(request):
        seen_by = await _ap_viewer(request)
        if not await audience.may_see_group_content(group, seen_by):
            raise web.HTTPNotFound(text="no such collection")
        return activity_response(await collection(group, seen_by))
    viewer = viewer_of(request)
    seen_by = audience.viewer_of(viewer)
    readable = await audience.may_see_group_content(group, seen_by)
    header = await group_header(request, group, seen_by)
    query = " ".join(str(request.query.get("q", "")).split())[:200]
    newcomer = await is_newcomer(group, viewer)
    views = await sections_for(group, seen_by, start_here_first=newcomer, query=query) if readable else []
    return render_page(
        request, "community/essentials.html", status=status, **header, readable=readable, views=views,
        query=query, newcomer=newcomer, matches=sum(len(view.items) for view in views),
        base=f"/groups/{group.group_name}/essentials", flash=_notice(request), error=error, form=form or {},
    )


async def _moderated_group(request: web.Request) -> tuple[Actor, Actor]:
    user = require_user(request)
    group = await local_group(request)
    if not await audience.is_group_moderator(group, audience.viewer_of(user)):
        raise web.HTTPForbidden(text=gettext(request, "Only the group's moderators manage its essentials."))
    return user, group


async def _section(request: web.Request, group: Actor) -> EssentialSection:
    raw = request.match_info["section_id"]
    section = await EssentialSection.filter(id=int(raw), group=group).first() if raw.isdigit() else None
    if section is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such section."))
    return section


async def _item(request: web.Request, group: Actor) -> EssentialItem:
    raw = request.match_info["item_id"]
    item = await EssentialItem.filter(id=int(raw), group=group).first() if raw.isdigit() else None
    if item is None:
        raise web.HTTPNotFound(text=gettext(request, "That thread is not in the essentials."))
    return item


def _back(group: Actor, anchor: str = "") -> str:
    return f"/groups/{group.group_name}/essentials" + (f"#{anchor}" if anchor else "")


async def create_section(request: web.Request) -> web.StreamResponse:
    user, group = await _moderated_group(request)
    form = await read_form(request)
    name = text_field(form, "name", 500)
    try:
        section = await actions.create_section(user, group, name, start_here=bool(form.get("start_here")))
    except ActionError as exc:
        return await essentials_page(request, error=_error(request, exc), form={"name": name}, status=exc.status)
    raise see_other(_back(group, f"section-{section.id}"), "section_created")


async def edit_section(request: web.Request) -> web.StreamResponse:
    user, group = await _moderated_group(request)
    section = await _section(request, group)
    form = await read_form(request)
    try:
        await actions.edit_section(user, section, text_field(form, "name", 500),
                                   start_here=bool(form.get("start_here")))
    except ActionError as exc:
        return await essentials_page(request, error=_error(request, exc), status=exc.status)
    raise see_other(_back(group, f"section-{section.id}"), "section_saved")


async def delete_section(request: web.Request) -> web.StreamResponse:
    user, group = await _moderated_group(request)
    await actions.delete_section(user, await _section(request, group))
    raise see_other(_back(group), "section_deleted")


def _offset(request: web.Request) -> int:
    return -1 if request.match_info["direction"] == "up" else 1


async def move_section(request: web.Request) -> web.StreamResponse:
    user, group = await _moderated_group(request)
    section = await _section(request, group)
    await actions.move_section(user, section, _offset(request))
    raise see_other(_back(group, f"section-{section.id}"), "moved")


async def move_thread(request: web.Request) -> web.StreamResponse:
    user, group = await _moderated_group(request)
    item = await _item(request, group)
    await actions.move_thread(user, item, _offset(request))
    raise see_other(_back(group, f"item-{item.id}"), "moved")


async def remove_thread(request: web.Request) -> web.StreamResponse:
    user, group = await _moderated_group(request)
    item = await _item(request, group)
    await actions.remove_thread(user, item)
    raise see_other(_back(group, f"section-{item.section_id}"), "removed")


# --- adding a thread from its page ----------------------------------------------------------------------


async def _thread_for_moderator(request: web.Request) -> tuple[Actor, Any]:
    user = require_user(request)
    found = await visible_post(request, request.match_info["post_id"])
    if found.group is None or not found.group.is_local or not found.moderator:
        raise web.HTTPForbidden(text=gettext(request, "Only the group's moderators manage its essentials."))
    if found.post.in_reply_to_uri or found.post.group_id != found.group.id:
        raise web.HTTPNotFound(text=gettext(request, "Only the group's own threads can be essentials."))
    return user, found


async def add_form(request: web.Request, *, error: str = "", status: int = 200,
                   form: dict[str, str] | None = None) -> web.StreamResponse:
    _, found = await _thread_for_moderator(request)
    sections = await EssentialSection.filter(group=found.group).order_by("position", "id")
    current = await EssentialItem.filter(group=found.group, post=found.post).first()
    return render_page(request, "community/essentials_add.html", status=status, post=found.post, group=found.group,
                       sections=sections, current=current, error=error, form=form or {})


async def add_thread(request: web.Request) -> web.StreamResponse:
    user, found = await _thread_for_moderator(request)
    form = await read_form(request)
    raw = str(form.get("section_id", ""))
    new_name = text_field(form, "new_section", 500)
    try:
        if raw == "new" or (not raw and new_name):
            section = await actions.create_section(user, found.group, new_name)
        else:
            section = await EssentialSection.filter(id=int(raw), group=found.group).first() if raw.isdigit() \
                else None
            if section is None:
                return await add_form(request, error=gettext(request, "Choose a section."), status=422,
                                      form={"new_section": new_name})
        await actions.add_thread(user, found.post, section)
    except ActionError as exc:
        return await add_form(request, error=_error(request, exc), status=exc.status, form={"new_section": new_name})
    raise see_other(_back(found.group, f"section-{section.id}"), "added")


# --- reporting a profile (the report menu on /@{name} and on remote people's cards) -----------------------


async def report_profile(request: web.Request) -> web.StreamResponse:
    """Report an account to this server's admins; optionally also to its server, as an anonymous Flag."""
    user = require_user(request)
    raw = request.match_info["actor_id"]
    actor = await Actor.filter(id=int(raw), deleted_at=None).exclude(type="Application").first() \
        if raw.isdigit() else None
    if actor is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such profile here."))
    if actor.id == user.id:
        raise web.HTTPUnprocessableEntity(text=gettext(request, "You cannot report yourself."))
    form = await read_form(request)
    try:
        await create_report(request.app[keys.FEDERATION], user, actor, [], text_field(form, "comment", 1000),
                            forward=bool(form.get("forward")) and not actor.is_local)
    except ActionError as exc:
        raise web.HTTPUnprocessableEntity(text=_error(request, exc)) from None
    raise see_other(safe_next(str(form.get("next", "")), "/"), "reported")


def setup(app: web.Application) -> None:
    r = app.router
    base = "/groups/{name}/essentials"
    r.add_get(base, essentials_page, name="group_essentials")
    r.add_post(base + "/sections", create_section, name="essentials_section_create")
    r.add_post(base + "/sections/{section_id}/edit", edit_section, name="essentials_section_edit")
    r.add_post(base + "/sections/{section_id}/delete", delete_section, name="essentials_section_delete")
    r.add_post(base + "/sections/{section_id}/move/{direction:up|down}", move_section, name="essentials_section_move")
    r.add_post(base + "/threads/{item_id}/move/{direction:up|down}", move_thread, name="essentials_thread_move")
    r.add_post(base + "/threads/{item_id}/remove", remove_thread, name="essentials_thread_remove")
    r.add_get("/threads/{post_id}/essentials", add_form, name="essentials_add_form")
    r.add_post("/threads/{post_id}/essentials", add_thread, name="essentials_add")
    r.add_post("/actors/{actor_id}/report", report_profile, name="profile_report")
