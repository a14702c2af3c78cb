"""Where uploaded files live: one interface, two stores (local disk, the default, and S3-compatible storage).

Web code writes and serves files through the store, federation housekeeping removes them through it; server/
builds the one the settings choose (`open_media_store`) and puts it on the FederationContext. A file is named
by the random name Moot gave it (web/media.py FILE_NAME); names never repeat and files never change.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Iterable, Protocol

from models.accounts import MediaFile

__all__ = [
    "LOCAL", "S3", "MediaStore", "MediaStoreError", "S3Config", "StoredFile", "open_media_store", "remove_post_media",
    "store_of",
]

LOCAL = "local"
S3 = "s3"
log = logging.getLogger(__name__)
# Objects live under this prefix in a bucket (and a public URL names them as <public url>/media/<name>).
KEY_PREFIX = "media/"


class MediaStoreError(Exception):
    """The media store cannot be used (misconfigured, unreachable, refused); the message says which."""


@dataclass(frozen=True)
class StoredFile:
    """A stored file to send: a local path (served with sendfile), or chunks streamed from elsewhere."""

    size: int
    path: Path | None = None
    chunks: AsyncIterator[bytes] | None = None


@dataclass(frozen=True)
class S3Config:
    endpoint: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    public_url: str | None = None


class MediaStore(Protocol):
    kind: str

    async def check(self) -> None:
        """Raise MediaStoreError unless files can be stored (called once at start-up)."""

    async def put(self, name: str, data: bytes, media_type: str) -> None:
        """Store a new file; a name already taken is an error (FileExistsError)."""

    async def get(self, name: str) -> StoredFile | None:
        """The file to send, or None when there is none by that name."""

    async def delete(self, names: Iterable[str]) -> None:
        """Remove files; a name with no file is not an error."""

    async def names(self) -> list[str]:
        """Every stored file's name (for operators and tests: it lists the whole store)."""

    def public_url(self, name: str) -> str | None:
        """A URL that serves the file without Moot, when the store has one."""

    async def close(self) -> None: ...


def open_media_store(kind: str, directory: Path, s3: S3Config | None = None) -> MediaStore:
    """The store the settings choose; MediaStoreError when S3 is chosen but not configured."""
    from federation.media_store.local import LocalMediaStore

    if kind == LOCAL:
        return LocalMediaStore(directory)
    if kind == S3:
        from federation.media_store.s3 import S3MediaStore

        if s3 is None:
            raise MediaStoreError("MOOT_MEDIA_STORAGE is s3 but the MOOT_S3_* settings are missing")
        return S3MediaStore(s3)
    raise MediaStoreError(f"MOOT_MEDIA_STORAGE must be local or s3, got {kind!r}")


def store_of(ctx: object) -> MediaStore | None:
    """The context's media store; a context built with only a media directory gets the local store there."""
    store = getattr(ctx, "media_store", None)
    if store is not None:
        return store
    directory = getattr(ctx, "media_dir", None)
    if directory is None:
        return None
    from federation.media_store.local import LocalMediaStore

    return LocalMediaStore(directory)


async def remove_post_media(ctx: object, post_ids: Iterable[int]) -> int:
    """Remove the uploads of deleted posts, rows and files: a deleted post's images are not kept."""
    ids = list(post_ids)
    if not ids:
        return 0
    rows = await MediaFile.filter(post_id__in=ids).values_list("id", "file_name")
    if not rows:
        return 0
    removed = await MediaFile.filter(id__in=[ident for ident, _ in rows]).delete()
    store = store_of(ctx)
    if store is not None:
        try:
            await store.delete([name for _, name in rows])
        except Exception:  # the post is gone either way; a file left behind is never served (it has no row)
            log.exception("could not remove the files of deleted posts %s", ids)
    return removed
