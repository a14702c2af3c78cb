"""`moot media check` and `moot media copy-local`: the media store (MOOT_MEDIA_STORAGE) from the command line."""
from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from federation.media_store.tools import audit, copy_local_files
from server.session import federation_session
from server.settings import Settings


class MediaCommandError(Exception):
    """Printed without a traceback."""


def cmd_media_check(settings: Settings, args: argparse.Namespace) -> None:
    async def run() -> None:
        async with federation_session(settings) as fed:
            assert fed.media_store is not None
            found = await audit(fed.media_store)
        where = "the bucket" if settings.media_storage == "s3" else "the media directory"
        print(f"Media store: {settings.media_storage} (reachable)")
        print(f"  missing from {where}: {len(found.missing)}" + (" (their images show as missing)"
                                                               if found.missing else ""))
        for name in found.missing[:args.limit]:
            print(f"    {name}")
        print(f"  in {where} but unknown to the database: {len(found.unknown)}"
              + (" (never served; safe to delete)" if found.unknown else ""))
        for name in found.unknown[:args.limit]:
            print(f"    {name}")

    asyncio.run(run())


def cmd_media_copy_local(settings: Settings, args: argparse.Namespace) -> None:
    if settings.media_storage != "s3":
        raise MediaCommandError("set MOOT_MEDIA_STORAGE=s3 (and the MOOT_S3_* settings) first: this copies the files "
                                "of MOOT_DATA_DIR/media into the bucket")
    directory = Path(args.source) if args.source else Path(settings.data_dir) / "media"

    async def run() -> None:
        async with federation_session(settings) as fed:
            assert fed.media_store is not None
            print(f"Copying {directory} into the bucket {settings.s3_bucket!r}")
            result = await copy_local_files(fed.media_store, directory)
        print(f"  copied: {result.copied}, already in the bucket: {result.present}, "
              f"missing on disk: {len(result.missing)}")

    asyncio.run(run())


def add_media_commands(commands: Any) -> None:
    media = commands.add_parser("media", help="check the media store; copy local files into an S3 bucket")
    sub = media.add_subparsers(dest="media_command", required=True, metavar="ACTION")
    check = sub.add_parser("check", help="compare the media store with the database (missing and unknown files)")
    check.add_argument("--limit", type=int, default=20, help="names listed per kind (default 20)")
    check.set_defaults(handler=cmd_media_check)
    copy = sub.add_parser(
        "copy-local", help="copy the files of MOOT_DATA_DIR/media into the S3 bucket (to move to MOOT_MEDIA_STORAGE=s3)",
        description="Copy every file the database names from the local media directory into the configured S3 "
                    "bucket, leaving files that are already there. URLs do not change. Safe to run again.")
    copy.add_argument("--source", help="the local media directory (default: MOOT_DATA_DIR/media)")
    copy.set_defaults(handler=cmd_media_copy_local)
