"""GET /api/v1/instance and /api/v2/instance in Mastodon's shapes, from the instance info and the real limits."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from federation import nodeinfo
from federation.actions.statuses import MAX_ATTACHMENTS, MAX_STATUS_LENGTH
from federation.activities.polls import MAX_EXPIRES_IN, MAX_OPTION_LENGTH, MIN_EXPIRES_IN
from models.accounts import APPROVAL, INVITE, OPEN
from models.actors import Actor, LocalUser
from models.polls import MAX_OPTIONS
from web import app_keys as keys
from web.accounts import registration_mode
from web.api.serializers import account
from web.imaging import FORMATS, MAX_PIXELS
from web.media import MAX_ALT_LENGTH

MASTODON_API_VERSION = "4.3.0"


def version(request: web.Request) -> str:
    return f"{MASTODON_API_VERSION} (compatible; Moot {request.app[keys.FEDERATION].software_version})"


def rules(text: str) -> list[dict[str, str]]:
    """The instance's rules (one per line in the admin's text) as Mastodon's Rule objects."""
    lines = [line.strip().lstrip("-*•").strip() for line in text.splitlines()]
    return [{"id": str(n), "text": line, "hint": ""} for n, line in enumerate((x for x in lines if x), start=1)]


def configuration(request: web.Request) -> dict[str, Any]:
    settings = request.app[keys.SETTINGS]
    base = request.app[keys.FEDERATION].base_url
    return {
        "urls": {"streaming": "ws" + base.removeprefix("http"), "status": None},
        "vapid": {"public_key": ""},
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 5},
        "statuses": {"max_characters": MAX_STATUS_LENGTH, "max_media_attachments": MAX_ATTACHMENTS,
                     "characters_reserved_per_url": 23},
        "media_attachments": {
            "supported_mime_types": [mime for mime, _ in FORMATS.values()],
            "description_limit": MAX_ALT_LENGTH,
            "image_size_limit": settings.media_max_bytes,
            "image_matrix_limit": MAX_PIXELS,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {"max_options": MAX_OPTIONS, "max_characters_per_option": MAX_OPTION_LENGTH,
                  "min_expiration": MIN_EXPIRES_IN, "max_expiration": MAX_EXPIRES_IN},
        "translation": {"enabled": False},
    }


async def _contact_account(request: web.Request) -> dict[str, Any] | None:
    admin = await LocalUser.filter(is_admin=True, suspended_at=None).order_by("id").prefetch_related("actor").first()
    if admin is None or admin.actor.deleted_at is not None:
        return None
    return await account(admin.actor)


async def _registrations(request: web.Request) -> dict[str, Any]:
    mode = await registration_mode()
    return {"enabled": mode in (OPEN, APPROVAL), "approval_required": mode == APPROVAL, "message": None,
            "url": None, "invites_enabled": mode == INVITE}


def _thumbnail(request: web.Request) -> str:
    info = request.app[keys.FEDERATION].instance_info.current
    return info.logo_url or request.app[keys.FEDERATION].base_url + "/static/favicon.svg"


async def instance_v2(request: web.Request) -> web.Response:
    fed = request.app[keys.FEDERATION]
    info = await fed.instance_info.get()
    usage = await nodeinfo.usage()
    registrations = await _registrations(request)
    registrations.pop("invites_enabled")
    return web.json_response({
        "domain": fed.host,
        "title": info.name,
        "version": version(request),
        # MOOT_SOURCE_URL; left out when unset rather than pointing somewhere made up.
        **({"source_url": source} if (source := request.app[keys.SETTINGS].source_url) else {}),
        "description": info.description,
        "usage": {"users": {"active_month": usage["users"]["activeMonth"]}},
        "thumbnail": {"url": _thumbnail(request), "blurhash": None, "versions": {}},
        "icon": [],
        "languages": sorted(request.app[keys.TRANSLATIONS]),
        "configuration": configuration(request),
        "registrations": registrations,
        "api_versions": {"mastodon": 2},
        "contact": {"email": "", "account": await _contact_account(request)},
        "rules": rules(info.rules),
    })


async def instance_v1(request: web.Request) -> web.Response:
    fed = request.app[keys.FEDERATION]
    info = await fed.instance_info.get()
    usage = await nodeinfo.usage()
    registrations = await _registrations(request)
    config = configuration(request)
    domains = await Actor.filter(is_local=False).distinct().values_list("domain", flat=True)
    return web.json_response({
        "uri": fed.host,
        "title": info.name,
        "short_description": info.description,
        "description": info.description,
        "email": "",
        "version": version(request),
        "urls": {"streaming_api": config["urls"]["streaming"]},
        "stats": {"user_count": usage["users"]["total"],
                  "status_count": usage["localPosts"] + usage["localComments"],
                  "domain_count": len(set(domains))},
        "thumbnail": _thumbnail(request),
        "languages": sorted(request.app[keys.TRANSLATIONS]),
        "registrations": registrations["enabled"],
        "approval_required": registrations["approval_required"],
        "invites_enabled": registrations["invites_enabled"],
        "configuration": {key: config[key] for key in ("accounts", "statuses", "media_attachments", "polls")},
        "contact_account": await _contact_account(request),
        "rules": rules(info.rules),
    })


async def instance_rules(request: web.Request) -> web.Response:
    info = await request.app[keys.FEDERATION].instance_info.get()
    return web.json_response(rules(info.rules))


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v1/instance", instance_v1, name="api_instance")
    r.add_get("/api/v2/instance", instance_v2, name="api_instance_v2")
    # Mastodon (Rails) takes a trailing slash too, and Mastodon.py asks with one.
    r.add_get("/api/v1/instance/", instance_v1, name="api_instance_slash")
    r.add_get("/api/v2/instance/", instance_v2, name="api_instance_v2_slash")
    r.add_get("/api/v1/instance/rules", instance_rules, name="api_instance_rules")
