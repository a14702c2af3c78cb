"""GET and PUT /api/v1/media/:id, as Mastodon apps use them between uploading an image and posting it: read
the attachment back, and set its alt text (`description`) afterwards. As on Mastodon, only one's own uploads
that no post uses yet; anything else is a 404 like a missing one."""
from __future__ import annotations

from aiohttp import web

from models.accounts import MediaFile
from web import app_keys as keys
from web.api.auth import require_actor
from web.api.params import read_params
from web.media import MAX_ALT_LENGTH, media_json


async def _own_unattached(request: web.Request) -> MediaFile:
    actor = await require_actor(request)
    media_id = request.match_info["media_id"]
    media = await MediaFile.filter(id=int(media_id), owner_id=actor.id, post_id=None).first() \
        if media_id.isdigit() and len(media_id) < 20 else None
    if media is None:
        raise web.HTTPNotFound(text="Record not found")
    return media


async def show(request: web.Request) -> web.Response:
    media = await _own_unattached(request)
    return web.json_response(media_json(media, _base(request)))


async def update(request: web.Request) -> web.Response:
    media = await _own_unattached(request)
    params = await read_params(request)
    if "description" in params:
        description = str(params["description"] or "").strip()
        if len(description) > MAX_ALT_LENGTH:
            raise web.HTTPUnprocessableEntity(
                text=f"Validation failed: Description is too long (maximum is {MAX_ALT_LENGTH} characters)")
        if not description:
            raise web.HTTPUnprocessableEntity(text="Validation failed: an image needs a description (alt text)")
        # Still unattached: a post may have taken it since it was read.
        if not await MediaFile.filter(id=media.id, post_id=None).update(description=description):
            raise web.HTTPNotFound(text="Record not found")
        media.description = description
    return web.json_response(media_json(media, _base(request)))


def _base(request: web.Request) -> str:
    return request.app[keys.SETTINGS].base_url


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v1/media/{media_id}", show, name="api_media_show")
    r.add_put("/api/v1/media/{media_id}", update, name="api_media_update")
