"""Operator tools for the media store (`moot media ...`): move an instance's files from local disk into the
configured store, and compare the store with the database."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from federation.media_store import LOCAL, MediaStore
from models.accounts import MediaFile


@dataclass
class CopyResult:
    copied: int = 0
    present: int = 0  # already in the store
    missing: list[str] = field(default_factory=list)  # named by the database, not on disk


@dataclass
class Audit:
    missing: list[str]  # named by the database, absent from the store: their URLs answer 404
    unknown: list[str]  # in the store, named by no row: never served, safe to delete


async def copy_local_files(store: MediaStore, directory: Path,
                           progress: Callable[[str], None] = print) -> CopyResult:
    """Put every file the database names from `directory` into `store` (files already there are left)."""
    if store.kind == LOCAL:
        raise ValueError("the media store is the local directory itself: set MOOT_MEDIA_STORAGE=s3 first")
    result = CopyResult()
    present = set(await store.names())
    rows = await MediaFile.all().order_by("id").values_list("file_name", "media_type")
    for name, media_type in rows:
        if name in present:
            result.present += 1
            continue
        path = directory / name
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            result.missing.append(name)
            continue
        await store.put(name, data, media_type)
        result.copied += 1
        if result.copied % 100 == 0:
            progress(f"  {result.copied} copied")
    return result


async def audit(store: MediaStore) -> Audit:
    stored = set(await store.names())
    named = set(await MediaFile.all().values_list("file_name", flat=True))
    return Audit(missing=sorted(named - stored), unknown=sorted(stored - named))
