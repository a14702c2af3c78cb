"""Serving uploaded images, and the Mastodon media upload API (POST /api/v1/media and /api/v2/media)."""
from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from federation import audience
from federation.actions import ActionError
from federation.media_store import LOCAL, StoredFile
from models.accounts import MediaFile
from models.posts import Post
from web import app_keys as keys
from web import request_keys as rk
from web.api.auth import require_actor
from web.media import (
    ATTACHMENT, FILE_NAME, MediaError, attachments_from_form, error_text, has_file, limit_text,
    link_to_post, media_json, media_store, read_upload, store_image,
)
from web.pages.community_common import COMPOSER_HOOKS, POST_CREATED_HOOKS

# A stored image is only ever an image: no sniffing, no scripts, no embedding of other resources.
MEDIA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    # File names are random and files never change: cache for a year.
    "Cache-Control": "public, max-age=31536000, immutable",
    "Content-Disposition": "inline",
}


async def attach_composer_media(request: web.Request, post: Post) -> None:
    """The composer stored the images before the post existed; now they belong to it."""
    await link_to_post(post, attachments=post.attachments or [], base_url=request.app[keys.SETTINGS].base_url)


async def serve_media(request: web.Request) -> web.StreamResponse:
    name = request.match_info["file_name"]
    if not FILE_NAME.fullmatch(name):
        raise web.HTTPNotFound()
    media = await MediaFile.filter(file_name=name).first()
    if media is None:
        raise web.HTTPNotFound()
    allowed, shared = await _media_access(request, media)
    if not allowed:
        raise web.HTTPNotFound()
    headers = {"Content-Type": media.media_type, **MEDIA_HEADERS}
    if not shared:
        headers["Cache-Control"] = "private, max-age=31536000, immutable"
    store = media_store(request.app)
    if store.kind != LOCAL and request.headers.get("If-None-Match") == f'"{name}"':
        return web.Response(status=304, headers={**headers, "ETag": f'"{name}"'})
    stored = await store.get(name)
    if stored is None:
        raise web.HTTPNotFound()
    # The Content-Type is the one stored when the image was decoded, never derived from the request.
    if stored.path is not None:
        return web.FileResponse(stored.path, headers=headers)
    return await _stream(request, stored, {**headers, "ETag": f'"{name}"'})  # the name never changes: a fine ETag


async def _stream(request: web.Request, stored: StoredFile, headers: dict[str, str]) -> web.StreamResponse:
    """A file from a bucket, passed on in chunks as they arrive."""
    chunks = stored.chunks
    response = web.StreamResponse(headers=headers)
    response.content_length = stored.size
    try:
        await response.prepare(request)
        if request.method != "HEAD" and chunks is not None:
            async for chunk in chunks:
                await response.write(chunk)
        await response.write_eof()
    finally:
        if chunks is not None:
            await chunks.aclose()  # type: ignore[attr-defined]
    return response


async def _media_access(request: web.Request, media: MediaFile) -> tuple[bool, bool]:
    """(may this request have the file, may shared caches keep it).

    A post's image goes to whom the post goes (federation/audience.py): to those who may see the post, and
    to anyone with the key in its URL, which only the post's audience was given (remote servers fetch media
    unsigned). Avatars, headers and images not yet in a post are public."""
    post = await Post.filter(id=media.post_id).first() if media.post_id is not None else None
    if post is None or await audience.may_see_post(post, audience.ANONYMOUS):
        return True, True
    if post.deleted_at is None and post.removed_at is None and media.access_key \
            and hmac.compare_digest(request.query.get("k", ""), media.access_key):
        return True, False
    return await audience.may_see_post(post, audience.viewer_of(request.get(rk.USER))), False


async def api_upload(request: web.Request) -> web.Response:
    """Mastodon's media upload: multipart `file` plus `description` (the alt text, required here)."""
    actor = await require_actor(request)
    if request.content_type != "multipart/form-data":
        raise web.HTTPUnprocessableEntity(text="send the image as multipart/form-data with a `file` field")
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, FileField) or not has_file(upload):
        raise web.HTTPUnprocessableEntity(text="the `file` field with the image is missing")
    settings = request.app[keys.SETTINGS]
    try:
        data = read_upload(upload, settings.media_max_bytes)
        media = await store_image(settings, actor, data, str(form.get("description", "")), ATTACHMENT,
                                  store=media_store(request.app))
    except MediaError as exc:
        if exc.status == 413:
            raise web.HTTPRequestEntityTooLarge(settings.media_max_bytes, 0, text=str(exc)) from None
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    return web.json_response(media_json(media, settings.base_url))


async def composer_attachments(request: web.Request, form: MultiDictProxy[Any]) -> dict[str, Any]:
    """The composer hook: images with alt text from community/_composer_media.html become attachments."""
    user = request.get(rk.USER)
    if user is None:
        return {}
    try:
        attachments = await attachments_from_form(request, user, form)
    except MediaError as exc:
        raise ActionError(error_text(request, exc), status=422) from None
    return {"attachments": attachments} if attachments else {}


def setup(app: web.Application) -> None:
    # Templates show the upload limit next to file inputs.
    app[keys.TEMPLATES].globals["media_limit"] = limit_text(app[keys.SETTINGS])
    # The community pages (set up first) gather extra StatusInput fields from these hooks.
    if COMPOSER_HOOKS not in app:
        app[COMPOSER_HOOKS] = []
    app[COMPOSER_HOOKS].append(composer_attachments)
    if POST_CREATED_HOOKS not in app:
        app[POST_CREATED_HOOKS] = []
    app[POST_CREATED_HOOKS].append(attach_composer_media)
    r = app.router
    r.add_get("/media/{file_name}", serve_media, name="media")
    r.add_post("/api/v1/media", api_upload, name="api_media")
    r.add_post("/api/v2/media", api_upload, name="api_media_v2")
