"""Uploaded images: validate and store them, and describe them as ActivityPub attachments.

Files live in the media store (federation/media_store: `<MOOT_DATA_DIR>/media/<random>.<ext>` by default, or an
S3-compatible bucket), one MediaFile row each. The Pillow work (web/imaging.py) runs in a thread. Remote media
is never fetched: remote attachments are shown from their own URLs.
"""
from __future__ import annotations

import asyncio
import re
import secrets
import threading
from pathlib import Path
from typing import Any, Iterable, Mapping

from aiohttp import web
from aiohttp.web_request import FileField

from federation.media_store import MediaStore
from models.accounts import MediaFile
from models.actors import Actor
from models.posts import Post
from web import app_keys as keys
from web.app_keys import WebSettings as Settings
from web.imaging import (
    ATTACHMENT, AVATAR, FAVICON, FORMATS, HEADER, LOGO, PURPOSES, MediaError, N_, ProcessedImage, human_size,
    process_image, too_large,
)
from web.templating import gettext

__all__ = [
    "ATTACHMENT", "AVATAR", "FAVICON", "HEADER", "LOGO", "MAX_ATTACHMENTS", "MediaError", "attachment_doc",
    "attachments_from_form", "attachments_for_ids", "error_text", "link_to_post", "local_media_of", "media_dir",
    "media_json", "media_url", "media_store", "profile_media_from_form", "public_media_url", "status_media_items",
    "status_media_json", "store_image",
]

MAX_ATTACHMENTS = 4
MAX_ALT_LENGTH = 1500
# Decoding holds whole images in memory: at most this many at once, whatever the number of uploads.
_PILLOW_SLOTS = threading.BoundedSemaphore(2)
# Only names Moot itself gives out are ever served: random URL-safe text and one of the known extensions.
FILE_NAME = re.compile(r"[A-Za-z0-9_-]{16,64}\.(?:%s)" % "|".join(ext for _, ext in FORMATS.values()))


def media_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "media"


def media_store(app: web.Application) -> MediaStore:
    """The store uploads go to (server/ builds it from MOOT_MEDIA_STORAGE)."""
    store = app[keys.FEDERATION].media_store
    if store is None:
        raise RuntimeError("the app has no media store")
    return store


def media_url(base_url: str, file_name: str, access_key: str | None = None) -> str:
    return f"{base_url}/media/{file_name}" + (f"?k={access_key}" if access_key else "")


def public_media_url(store: MediaStore, base_url: str, file_name: str) -> str:
    """The URL of an image everyone may see (avatar, header, logo): the store's own public URL when it has one.
    A post's images keep Moot's URL, which checks who may see the post."""
    return store.public_url(file_name) or media_url(base_url, file_name)


def file_name_of(url: str, base_url: str) -> str | None:
    """The stored file a local media URL names (its ?k= key aside), else None."""
    prefix = media_url(base_url, "")
    if not url.startswith(prefix):
        return None
    return url[len(prefix):].split("?", 1)[0] or None


def error_text(request: web.Request, exc: MediaError) -> str:
    """The error in the reader's language."""
    return gettext(request, exc.template, **exc.variables)


ALT_REQUIRED = N_("Describe the image for people who cannot see it: every attached image needs alt text.")


def _check_alt(alt: str, purpose: str) -> str:
    alt = alt.strip()
    if purpose == ATTACHMENT and not alt:
        raise MediaError(ALT_REQUIRED)
    if len(alt) > MAX_ALT_LENGTH:
        raise MediaError(N_("The image description is too long (at most %(limit)s characters)."),
                         limit=MAX_ALT_LENGTH)
    return alt


async def store_image(settings: Settings, owner: Actor, data: bytes, alt: str = "",
                      purpose: str = ATTACHMENT, *, store: MediaStore) -> MediaFile:
    """Check, clean, resize and store an image in `store`; alt text is required for attachments."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown media purpose {purpose!r}")
    alt = _check_alt(alt, purpose)
    if len(data) > settings.media_max_bytes:
        raise too_large(len(data), settings.media_max_bytes)
    image = await asyncio.to_thread(_process_in_slot, data, purpose, settings.media_max_bytes)
    file_name = f"{secrets.token_urlsafe(18)}.{image.extension}"
    await store.put(file_name, image.data, image.media_type)
    try:
        return await MediaFile.create(owner=owner, file_name=file_name, media_type=image.media_type,
                                      width=image.width, height=image.height, size=len(image.data), description=alt,
                                      access_key=secrets.token_urlsafe(16) if purpose == ATTACHMENT else None)
    except BaseException:
        await store.delete([file_name])
        raise


def _process_in_slot(data: bytes, purpose: str, max_bytes: int) -> ProcessedImage:
    with _PILLOW_SLOTS:
        return process_image(data, purpose, max_bytes)


async def discard(store: MediaStore, media: Iterable[MediaFile]) -> None:
    """Remove stored files and rows (an upload that belongs to a form that failed)."""
    items = list(media)
    await store.delete([item.file_name for item in items])
    for item in items:
        await item.delete()


def attachment_doc(media: MediaFile, base_url: str) -> dict[str, Any]:
    """The ActivityPub attachment for a stored image, as Mastodon reads it."""
    doc: dict[str, Any] = {
        "type": "Image",
        "mediaType": media.media_type,
        "url": media_url(base_url, media.file_name, media.access_key),
        "width": media.width,
        "height": media.height,
    }
    if media.description:
        doc["name"] = media.description
    return doc


def media_json(media: MediaFile, base_url: str) -> dict[str, Any]:
    """The Mastodon API MediaAttachment."""
    return _api_media(str(media.id), "image", media_url(base_url, media.file_name, media.access_key),
                      media.description or None,
                      {"original": {"width": media.width, "height": media.height,
                                    "size": f"{media.width}x{media.height}", "aspect": media.width / media.height}})


def _api_media(media_id: str, kind: str, url: str | None, description: str | None, meta: dict) -> dict[str, Any]:
    return {"id": media_id, "type": kind, "url": url, "preview_url": url, "remote_url": None, "text_url": None,
            "description": description, "blurhash": None, "meta": meta}


async def status_media_json(post: Post) -> list[dict[str, Any]]:
    """A post's attachments as Mastodon API MediaAttachments (local files keep their media ids)."""
    return status_media_items(post, await local_media_of([post]))


async def local_media_of(posts: Iterable[Post]) -> dict[int, dict[str, MediaFile]]:
    """The stored files of local posts, by post id and file name: one query for a whole page of posts."""
    ids = [post.id for post in posts if post.is_local]
    found: dict[int, dict[str, MediaFile]] = {}
    for media in await MediaFile.filter(post_id__in=ids) if ids else []:
        found.setdefault(media.post_id, {})[media.file_name] = media
    return found


def status_media_items(post: Post, local: dict[int, dict[str, MediaFile]]) -> list[dict[str, Any]]:
    """status_media_json with the files already loaded (local_media_of)."""
    files = local.get(post.id, {}) if post.is_local else {}
    result = []
    for index, doc in enumerate(post.attachments or []):
        url = str(doc.get("url") or "")
        media = files.get(url.rsplit("/", 1)[-1].split("?", 1)[0])
        kind = str(doc.get("mediaType") or "").split("/")[0]
        item = _api_media(str(media.id) if media else f"{post.id}-{index}",
                          kind if kind in ("image", "video", "audio") else "unknown", url or None, doc.get("name"),
                          {"original": {"width": doc["width"], "height": doc["height"]}}
                          if doc.get("width") and doc.get("height") else {})
        if not post.is_local:
            item["remote_url"] = url or None
        result.append(item)
    return result


def read_upload(upload: FileField, max_bytes: int) -> bytes:
    """The bytes of an uploaded file, refusing more than the limit without reading it all."""
    upload.file.seek(0)
    data = upload.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        upload.file.seek(0, 2)
        raise too_large(upload.file.tell(), max_bytes)
    return data


def has_file(value: Any) -> bool:
    """A file input with something in it (a form sent with no file chosen has an empty part)."""
    if not isinstance(value, FileField):
        return False
    value.file.seek(0, 2)
    size = value.file.tell()
    value.file.seek(0)
    return size > 0 or bool(value.filename)


async def attachments_for_ids(owner: Actor, ids: list[str], base_url: str) -> tuple[list[MediaFile], tuple[dict, ...]]:
    """The caller's own, not yet attached media for a status (`media_ids[]`), in the order given."""
    if len(ids) > MAX_ATTACHMENTS:
        raise MediaError(N_("A post can have at most %(limit)s images."), limit=MAX_ATTACHMENTS)
    if not all(str(value).isdigit() for value in ids):
        raise MediaError(N_("Unknown media id."))
    wanted = [int(value) for value in ids]
    found = {m.id: m for m in await MediaFile.filter(id__in=wanted, owner=owner, post_id=None)}
    if len(set(wanted)) != len(wanted) or set(found) != set(wanted):
        raise MediaError(N_("Unknown media id, or the image is already attached to another post."))
    media = [found[value] for value in wanted]
    if any(not item.description for item in media):
        raise MediaError(ALT_REQUIRED)
    return media, tuple(attachment_doc(item, base_url) for item in media)


async def link_to_post(post: Post, media: Iterable[MediaFile] = (), attachments: Iterable[Mapping[str, Any]] = (),
                       base_url: str = "") -> None:
    """Mark media as attached to `post` (given as rows, or as the attachment docs built from them)."""
    ids = [item.id for item in media]
    names = [name for doc in attachments if (name := file_name_of(str(doc.get("url", "")), base_url))]
    if ids:
        await MediaFile.filter(id__in=ids, post_id=None).update(post_id=post.id)
    if names:
        await MediaFile.filter(file_name__in=names, owner_id=post.author_id, post_id=None).update(post_id=post.id)


async def attachments_from_form(request: web.Request, owner: Actor, form: Mapping[str, Any]) -> tuple[dict, ...]:
    """Store the images of a composer form (fields image1..image4 with alt1..alt4); return their Image docs.

    Raises MediaError (show error_text(request, exc) on the form) when an image lacks alt text or is refused.
    Nothing is stored unless every image is accepted.
    """
    settings: Settings = request.app[keys.SETTINGS]
    chosen: list[tuple[int, Any, str]] = []
    for number in range(1, MAX_ATTACHMENTS + 1):
        upload = form.get(f"image{number}")
        if has_file(upload):
            chosen.append((number, upload, str(form.get(f"alt{number}", ""))))
    for number, _, alt in chosen:
        if not alt.strip():
            raise MediaError(N_("Image %(number)s needs a description for people who cannot see it (alt text)."),
                             number=number)
    stored: list[MediaFile] = []
    store = media_store(request.app)
    try:
        for number, upload, alt in chosen:
            stored.append(await store_image(settings, owner, read_upload(upload, settings.media_max_bytes), alt,
                                            store=store))
    except BaseException:
        await discard(store, stored)
        raise
    return tuple(attachment_doc(item, settings.base_url) for item in stored)


async def profile_media_from_form(request: web.Request, owner: Actor, form: Mapping[str, Any]) -> dict[str, str | None]:
    """Avatar and header from the settings form: {"icon_url"|"image_url": new URL, or None to remove}."""
    settings: Settings = request.app[keys.SETTINGS]
    changes: dict[str, str | None] = {}
    stored: list[MediaFile] = []
    store = media_store(request.app)
    try:
        for field, purpose, attribute in (("avatar", AVATAR, "icon_url"), ("header", HEADER, "image_url")):
            upload = form.get(field)
            if has_file(upload):
                media = await store_image(settings, owner, read_upload(upload, settings.media_max_bytes), "", purpose,
                                          store=store)
                stored.append(media)
                changes[attribute] = public_media_url(store, settings.base_url, media.file_name)
            elif form.get(f"remove_{field}"):
                changes[attribute] = None
    except BaseException:
        await discard(store, stored)
        raise
    return changes


def limit_text(settings: Settings) -> str:
    return human_size(settings.media_max_bytes)
