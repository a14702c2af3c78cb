"""Creating a group or a page from the browser; the creator becomes its owner."""
from __future__ import annotations

from aiohttp import web

from federation.groups.admin import GroupSettings, create_group
from federation.local_actors import LocalActorError, create_page
from web import app_keys as keys
from web.pages.community_common import read_form, text_field
from web.sessions import require_user
from web.templating import gettext, render_page

NON_MEMBER_CHOICES = ("", "accept", "hold", "reject")


async def new_group(request: web.Request) -> web.StreamResponse:
    owner = require_user(request)
    form: dict[str, str] = {}
    error = ""
    if request.method == "POST":
        posted = await read_form(request)
        form = {name: text_field(posted, name, 5000) for name in ("name", "display_name", "description", "rules",
                                                                   "non_member_posts")}
        form["private"] = "1" if posted.get("private") else ""
        form["restricted_posting"] = "1" if posted.get("restricted_posting") else ""
        settings = GroupSettings(
            display_name=form["display_name"] or None, description=form["description"], rules=form["rules"],
            private=bool(form["private"]), restricted_posting=bool(form["restricted_posting"]),
            non_member_posts=form["non_member_posts"] if form["non_member_posts"] in NON_MEMBER_CHOICES[1:] else None,
        )
        try:
            group = await create_group(request.app[keys.FEDERATION], form["name"].lower(), owner, settings)
        except LocalActorError as exc:
            error = gettext(request, str(exc))
        else:
            raise web.HTTPSeeOther(f"/groups/{group.group_name}")
    return render_page(request, "community/new_group.html", form=form, error=error, status=422 if error else 200)


async def new_page(request: web.Request) -> web.StreamResponse:
    owner = require_user(request)
    form: dict[str, str] = {}
    error = ""
    if request.method == "POST":
        posted = await read_form(request)
        form = {name: text_field(posted, name, 5000) for name in ("name", "display_name", "category", "summary",
                                                                   "website", "email")}
        fields = [{"name": label, "value": form[key]} for key, label in (("website", "Website"), ("email", "Email"))
                  if form[key]]
        try:
            page = await create_page(request.app[keys.FEDERATION], form["name"].lower(), owner=owner,
                                     display_name=form["display_name"] or None, category=form["category"] or None,
                                     summary=form["summary"], profile_fields=fields)
        except LocalActorError as exc:
            error = gettext(request, str(exc))
        else:
            raise web.HTTPSeeOther(f"/@{page.local_name}")
    return render_page(request, "community/new_page.html", form=form, error=error, status=422 if error else 200)


def setup(app: web.Application) -> None:
    app.router.add_route("*", "/groups/new", new_group, name="new_group")
    app.router.add_route("*", "/pages/new", new_page, name="new_page")
