"""DELETE /api/v1/media/:id (Mastodon 4.4): remove one's own upload that no post uses yet, file and row, from
whichever media store holds it (local disk or an S3 bucket). An attached one answers 422 as on Mastodon; another
person's, or a missing one, 404."""
from __future__ import annotations

from aiohttp import web

from models.accounts import MediaFile
from web.api.auth import require_actor
from web.media import media_store

PATH = "/api/v1/media/{media_id}"


async def delete(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    media_id = request.match_info["media_id"]
    media = await MediaFile.filter(id=int(media_id), owner_id=actor.id).first() \
        if media_id.isdigit() and len(media_id) < 20 else None
    if media is None:
        raise web.HTTPNotFound(text="Record not found")
    # Only while no post uses it: a post may take it between our read and this delete.
    if media.post_id is not None or not await MediaFile.filter(id=media.id, post_id=None).delete():
        raise web.HTTPUnprocessableEntity(text="Media attachment is currently used by a status")
    await media_store(request.app).delete([media.file_name])
    return web.json_response({})


def setup(app: web.Application) -> None:
    """Join the resource that GET and PUT of the same path use (web/api/media_updates.py), if it is there:
    a second resource for one path would answer 405 to the methods of the other."""
    for resource in app.router.resources():
        if resource.canonical == PATH:
            resource.add_route("DELETE", delete)
            return
    app.router.add_delete(PATH, delete, name="api_media_delete")
