"""`moot backup DEST`: a consistent copy of a SQLite instance and its media, safe while the server runs.

SQLite's online backup API copies the database page by page while other connections go on reading and
writing; the copy is one consistent moment. DEST is a directory (created; it must be empty) or a file
ending in .tar.gz. On PostgreSQL the command prints the pg_dump command to use instead. Media kept in an S3
bucket (MOOT_MEDIA_STORAGE=s3) is not copied: the bucket is backed up on its own.
"""
from __future__ import annotations

import argparse
import shlex
import shutil
import sqlite3
import tarfile
import tempfile
from pathlib import Path
from typing import Any, Callable

from server.settings import Settings

DATABASE_FILE = "moot.sqlite3"
PAGES_PER_STEP = 1024


class BackupError(Exception):
    """Printed without a traceback."""


def sqlite_path(database_url: str) -> Path | None:
    """The file of a sqlite:// URL, or None for another engine."""
    if not database_url.startswith("sqlite://"):
        return None
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    if not path or path == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(path)


def pg_dump_command(database_url: str, dest: str) -> str:
    url = database_url.replace("postgres://", "postgresql://", 1)
    target = dest if dest.endswith((".dump", ".pgdump")) else str(Path(dest) / "moot.pgdump")
    return f"pg_dump --format=custom --no-owner --file={shlex.quote(target)} {shlex.quote(url)}"


def backup_sqlite(source: Path, target: Path, progress: Callable[[str], None] = print) -> None:
    """Copy `source` to `target` with the online backup API, reporting progress."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")

    def report(status: int, remaining: int, total: int) -> None:
        if total:
            progress(f"  database: {100 * (total - remaining) // total}% ({total - remaining} of {total} pages)")

    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst, pages=PAGES_PER_STEP, progress=report)
        # The copy stands alone: no -wal file to carry along.
        dst.execute("PRAGMA journal_mode=DELETE")
        ok = dst.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"the copy failed its integrity check: {ok}")
    finally:
        dst.close()
        src.close()


def copy_media(media: Path, target: Path, progress: Callable[[str], None] = print) -> int:
    """Copy the media files (they are never changed once written, only added and removed)."""
    if not media.is_dir():
        progress("  media: none yet")
        return 0
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(media.iterdir()):
        try:
            if path.is_file():
                shutil.copy2(path, target / path.name)
                count += 1
        except FileNotFoundError:  # removed while we copied (an unused upload): nothing to keep
            continue
    progress(f"  media: {count} file{'s' if count != 1 else ''}")
    return count


def make_backup(settings: Settings, dest: str, progress: Callable[[str], None] = print) -> Path:
    """Write the backup to `dest` (a new or empty directory, or a .tar.gz file); returns its path."""
    source = sqlite_path(settings.database_url)
    if source is None:
        raise BackupError(
            "this instance runs on PostgreSQL: back the database up with pg_dump, for example\n  "
            + pg_dump_command(settings.database_url, dest)
            + (f"\nand copy the media directory with it:\n  tar czf media.tar.gz -C {shlex.quote(str(settings.data_dir))}"
               " media" if settings.media_storage != "s3" else "\n" + bucket_note(settings).strip()))
    media: Path | None = Path(settings.data_dir) / "media"
    if settings.media_storage == "s3":
        progress(bucket_note(settings))
        media = None
    if dest.endswith((".tar.gz", ".tgz")):
        archive = Path(dest)
        if archive.exists():
            raise BackupError(f"{archive} exists already: choose a new name")
        with tempfile.TemporaryDirectory(prefix="moot-backup-", dir=archive.parent if archive.parent.is_dir() else None) as tmp:
            staging = Path(tmp) / "moot-backup"
            staging.mkdir()
            _into_directory(source, media, staging, progress)
            progress(f"  writing {archive}")
            with tarfile.open(archive, "w:gz") as tar:
                tar.add(staging, arcname="moot-backup")
        return archive
    directory = Path(dest)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"{directory} is not an empty directory: choose a new one, or a name ending in .tar.gz")
    directory.mkdir(parents=True, exist_ok=True)
    _into_directory(source, media, directory, progress)
    return directory


def bucket_note(settings: Settings) -> str:
    return (f"  media: skipped, it is kept in the S3 bucket {settings.s3_bucket!r} at {settings.s3_endpoint}: back "
            "the bucket up on its own (for example `rclone sync` or `mc mirror` to another bucket or a disk)")


def _into_directory(source: Path, media: Path | None, directory: Path, progress: Callable[[str], None]) -> None:
    progress(f"Backing up {source}" + (f" and {media}" if media is not None else ""))
    backup_sqlite(source, directory / DATABASE_FILE, progress)
    if media is not None:
        copy_media(media, directory / "media", progress)


def cmd_backup(settings: Settings, args: argparse.Namespace) -> None:
    where = make_backup(settings, args.dest)
    print(f"Backup written to {where}")


def add_backup_commands(commands: Any) -> None:
    backup = commands.add_parser(
        "backup", help="copy a SQLite instance's database and media (safe while the server runs)",
        description="Copy the SQLite database with SQLite's online backup API, and the media files, into a new "
                    "directory or a .tar.gz file. On PostgreSQL, prints the pg_dump command to use instead.")
    backup.add_argument("dest", help="a new (or empty) directory, or a file name ending in .tar.gz")
    backup.set_defaults(handler=cmd_backup)
