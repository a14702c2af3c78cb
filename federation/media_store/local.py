"""Media on local disk: `<MOOT_DATA_DIR>/media/<name>` (the default store)."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Iterable

from federation.media_store import LOCAL, MediaStoreError, StoredFile


class LocalMediaStore:
    kind = LOCAL

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    async def check(self) -> None:
        try:
            await asyncio.to_thread(self.directory.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            raise MediaStoreError(f"the media directory {self.directory} cannot be created: {exc}") from None

    async def put(self, name: str, data: bytes, media_type: str) -> None:
        await asyncio.to_thread(self._write_new, name, data)

    def _write_new(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / name, "xb") as handle:  # never overwrites
            handle.write(data)

    async def get(self, name: str) -> StoredFile | None:
        path = self.directory / name
        try:
            size = (await asyncio.to_thread(os.stat, path)).st_size
        except (FileNotFoundError, NotADirectoryError):
            return None
        return StoredFile(size=size, path=path)

    async def delete(self, names: Iterable[str]) -> None:
        wanted = list(names)
        if wanted:
            await asyncio.to_thread(self._unlink, wanted)

    def _unlink(self, names: list[str]) -> None:
        for name in names:
            (self.directory / name).unlink(missing_ok=True)

    async def names(self) -> list[str]:
        def listing() -> list[str]:
            if not self.directory.is_dir():
                return []
            return sorted(path.name for path in self.directory.iterdir() if path.is_file())
        return await asyncio.to_thread(listing)

    def public_url(self, name: str) -> str | None:
        return None

    async def close(self) -> None:
        return None
