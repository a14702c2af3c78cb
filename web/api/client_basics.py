"""The small endpoints Mastodon apps call on start: preferences, custom emojis, markers, filters, lists,
announcements, followed tags, blocks and mutes, and trends. What Moot has none of is an honest empty list."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from federation.people.posting_defaults import posting_defaults
from federation.render import iso
from models.client_state import MARKER_TIMELINES, Marker
from web import app_keys as keys
from web.api.auth import require_actor
from web.api.pagination import page_params
from web.api.params import read_params
from web.pages.community import trending_tags

MAX_MARKER_ID = 32


async def preferences(request: web.Request) -> web.Response:
    defaults = await posting_defaults(await require_actor(request))
    return web.json_response({
        "posting:default:visibility": defaults.visibility,
        "posting:default:sensitive": defaults.sensitive,
        "posting:default:language": defaults.language,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    })


def _marker_json(marker: Marker) -> dict[str, Any]:
    return {"last_read_id": marker.last_read_id, "version": marker.version, "updated_at": iso(marker.updated_at)}


async def get_markers(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    wanted = [t for t in request.query.getall("timeline[]", []) + request.query.getall("timeline", [])
              if t in MARKER_TIMELINES]
    markers = await Marker.filter(actor=actor, timeline__in=wanted or list(MARKER_TIMELINES))
    return web.json_response({marker.timeline: _marker_json(marker) for marker in markers})


def _last_read_id(params: dict[str, Any], timeline: str) -> str | None:
    """`home[last_read_id]` as a form field, or {"home": {"last_read_id": ...}} as JSON."""
    nested = params.get(timeline)
    value = nested.get("last_read_id") if isinstance(nested, dict) else params.get(f"{timeline}[last_read_id]")
    text = str(value).strip() if value is not None else ""
    return text if text.isdigit() and len(text) <= MAX_MARKER_ID else None


async def set_markers(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    params = await read_params(request)
    saved = {}
    for timeline in MARKER_TIMELINES:
        last_read_id = _last_read_id(params, timeline)
        if last_read_id is None:
            continue
        marker = await Marker.filter(actor=actor, timeline=timeline).first()
        if marker is None:
            marker = await Marker.create(actor=actor, timeline=timeline, last_read_id=last_read_id)
        elif marker.last_read_id != last_read_id:
            marker.last_read_id, marker.version = last_read_id, marker.version + 1
            await marker.save(update_fields=["last_read_id", "version", "updated_at"])
        saved[timeline] = _marker_json(marker)
    if not saved:
        raise web.HTTPUnprocessableEntity(text="give home[last_read_id] or notifications[last_read_id]")
    return web.json_response(saved)


async def custom_emojis(request: web.Request) -> web.Response:
    return web.json_response([])  # Moot has no custom emoji


async def empty_list(request: web.Request) -> web.Response:
    """Lists, filters, announcements, followed tags, blocks, mutes and domain blocks: none exist in Moot yet."""
    await require_actor(request)
    return web.json_response([])


async def trends_tags(request: web.Request) -> web.Response:
    base_url = request.app[keys.FEDERATION].base_url
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    limit = page_params(request, default=10, maximum=20).limit
    return web.json_response([
        {"name": name, "url": f"{base_url}/tags/{name}",
         "history": [{"day": str(int(today.timestamp())), "uses": str(uses), "accounts": str(uses)}]}
        for name, uses in await trending_tags(limit)
    ])


async def trends_empty(request: web.Request) -> web.Response:
    return web.json_response([])  # trending statuses and links are not computed yet


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v1/preferences", preferences, name="api_preferences")
    r.add_get("/api/v1/markers", get_markers, name="api_markers")
    r.add_post("/api/v1/markers", set_markers, name="api_markers_set")
    r.add_get("/api/v1/custom_emojis", custom_emojis, name="api_custom_emojis")
    for path in ("/api/v1/lists", "/api/v2/filters", "/api/v1/filters", "/api/v1/announcements",
                 "/api/v1/followed_tags", "/api/v1/domain_blocks"):  # blocks, mutes: web/api/personal_blocks.py
        r.add_get(path, empty_list, name="api_empty" + path.replace("/", "_"))
    r.add_get("/api/v1/trends", trends_tags, name="api_trends")
    r.add_get("/api/v1/trends/tags", trends_tags, name="api_trends_tags")
    r.add_get("/api/v1/trends/statuses", trends_empty, name="api_trends_statuses")
    r.add_get("/api/v1/trends/links", trends_empty, name="api_trends_links")
