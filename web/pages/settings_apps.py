"""/settings/apps: the apps a person has let use their account (or their pages'), and taking that back."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from aiohttp import web

from models.actors import Actor, ApiToken
from models.oauth import OAuthApplication
from web.api.scopes import parse_scopes
from web.oauth.consent import describe_all
from web.oauth.grants import revoke_application_for
from web.sessions import require_user
from web.templating import gettext, render_page


@dataclass
class AuthorisedApp:
    application: OAuthApplication
    website_host: str | None
    scopes: list[str]
    authorised_at: datetime
    last_used_at: datetime | None
    accounts: list[Actor] = field(default_factory=list)


async def authorised_apps(user: Actor) -> list[AuthorisedApp]:
    tokens = await ApiToken.filter(granted_by=user, application_id__isnull=False).prefetch_related(
        "application", "actor").order_by("created_at")
    apps: dict[int, AuthorisedApp] = {}
    for token in tokens:
        app = token.application
        entry = apps.get(app.id)
        if entry is None:
            host = urlsplit(app.website).hostname if app.website else None
            entry = apps[app.id] = AuthorisedApp(app, host, [], token.created_at, token.last_used_at)
        entry.scopes = list(dict.fromkeys([*entry.scopes, *parse_scopes(token.scopes)]))
        if token.last_used_at and (entry.last_used_at is None or token.last_used_at > entry.last_used_at):
            entry.last_used_at = token.last_used_at
        if all(actor.id != token.actor_id for actor in entry.accounts):
            entry.accounts.append(token.actor)
    return sorted(apps.values(), key=lambda entry: entry.authorised_at, reverse=True)


async def apps_page(request: web.Request) -> web.Response:
    user = require_user(request)
    entries = await authorised_apps(user)
    described = {entry.application.id: describe_all(request, entry.scopes) for entry in entries}
    notice = gettext(request, "The app no longer has access.") if request.query.get("revoked") else ""
    return render_page(request, "accounts/settings_apps.html", apps=entries, described=described, notice=notice)


async def revoke_app(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    app_id = request.match_info["app_id"]
    if not app_id.isdigit() or not await revoke_application_for(user, int(app_id)):
        raise web.HTTPNotFound(text=gettext(request, "That app has no access to your account."))
    raise web.HTTPSeeOther("/settings/apps?revoked=1")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/settings/apps", apps_page, name="settings_apps")
    r.add_post("/settings/apps/{app_id}/revoke", revoke_app, name="settings_app_revoke")
