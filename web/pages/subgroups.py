"""Sub-groups: the list on a group (the same URL as its ActivityPub collection) and the "New sub-group" form."""
from __future__ import annotations

from aiohttp import web

from federation import audience
from federation.community.subgroups import (
    MAX_DESCRIPTION, MAX_DISPLAY_NAME, SubgroupError, SubgroupInput, create_subgroup, listed_subgroups,
    members_only_ids,
)
from federation.local_actors import LocalActorError
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from web import app_keys as keys
from web.pages.community_common import flash, read_form, text_field, viewer_of
from web.pages.community_groups import group_header, local_group
from web.sessions import require_user
from web.templating import gettext, render_page


async def subgroups_page(request: web.Request, group: Actor) -> web.StreamResponse:
    """The Sub-groups tab: each topic with its members, and "New sub-group" for the moderators."""
    seen_by = audience.viewer_of(viewer_of(request))
    header = await group_header(request, group, seen_by)
    children = await listed_subgroups(group, seen_by)
    counts = {child.id: await Follow.filter(target=child, state=ACCEPTED).count() for child in children}
    return render_page(
        request, "community/subgroups.html", **header, subgroups=children, counts=counts,
        members_only=await members_only_ids(children), flash=flash(request),
        can_create=header["moderator"] and header["parent_group"] is None,
    )


def _message(request: web.Request, exc: LocalActorError) -> str:
    """The error in the reader's language where we know it."""
    text = str(exc)
    if "already exists" in text:
        return gettext(request, "That name is taken: choose another.")
    if "not a valid name" in text or "reserved" in text:
        return gettext(request, "Use 1–30 lowercase letters, digits or underscores for the name.")
    if isinstance(exc, SubgroupError) and exc.status == 403:
        return gettext(request, "Only the group's moderators can create sub-groups.")
    if "sub-groups of its own" in text:
        return gettext(request, "A sub-group cannot have sub-groups of its own.")
    return gettext(request, "The sub-group could not be created: %(reason)s", reason=text)


async def new_subgroup(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    parent = await local_group(request)
    seen_by = audience.viewer_of(user)
    header = await group_header(request, parent, seen_by)
    if not header["moderator"]:
        raise web.HTTPForbidden(text=gettext(request, "Only the group's moderators can create sub-groups."))
    form: dict[str, str] = {}
    error = ""
    if request.method == "POST":
        posted = await read_form(request)
        form = {
            "name": text_field(posted, "name", 60), "display_name": text_field(posted, "display_name", MAX_DISPLAY_NAME),
            "description": text_field(posted, "description", MAX_DESCRIPTION),
            "members_only": "1" if posted.get("members_only") else "",
        }
        if not form["name"]:
            error = gettext(request, "Give the sub-group a name.")
        else:
            data = SubgroupInput(name=form["name"], display_name=form["display_name"],
                                 description=form["description"], members_only=bool(form["members_only"]))
            try:
                child = await create_subgroup(request.app[keys.FEDERATION], parent, user, data)
            except LocalActorError as exc:
                error = _message(request, exc)
            else:
                raise web.HTTPSeeOther(f"/groups/{child.group_name}")
    return render_page(request, "community/subgroup_new.html", status=422 if error else 200, **header,
                       form=form, error=error)


def setup(app: web.Application) -> None:
    # The list itself is served at /groups/{name}/subgroups by web/activitypub.py (negotiated with the collection).
    app.router.add_route("*", "/groups/{name}/subgroups/new", new_subgroup, name="new_subgroup")
