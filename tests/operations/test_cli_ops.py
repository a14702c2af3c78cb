"""`moot queue stats|retry|discard` and `moot backup`, run as the command runs (its own event loop and
database connection, in a thread) while the test's server keeps serving the same database."""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import tarfile
from pathlib import Path

import pytest

from models.accounts import MediaFile
from models.queues import FAILED, PENDING, Delivery
from server import keys
from server.cli import build_parser, main
from server.settings import Settings
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.federation.test_mastodon_remote import page_with_followers

TABLES = ("actor", "post", "follow", "delivery", "inbox_item", "outbound_activity", "media_file")


async def moot_command(moot: MootInstance, monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    """Run `moot ARGV` against this instance's database and data directory, as a separate process would."""
    settings = settings_of(moot)
    monkeypatch.setenv("MOOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MOOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MOOT_BASE_URL", moot.base_url)
    monkeypatch.setenv("MOOT_CONFIG", "/nonexistent/moot.toml")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return await asyncio.to_thread(main, list(argv))
    finally:
        root.handlers[:] = handlers  # the command set logging up for its process: put the test's back
        root.setLevel(level)
        moot.use()


def settings_of(moot: MootInstance) -> Settings:
    return moot.app[keys.SETTINGS]


async def failed_deliveries(moot: MootInstance, remote: FakeRemote, count: int = 2) -> list[Delivery]:
    page, token, _ = await page_with_followers(moot, remote, "gina")
    remote.inbox_status = 400
    for number in range(count):
        await moot.api("POST", "/api/v1/statuses", token, json={"status": f"post {number}"})
    await moot.drain()
    remote.inbox_status = None
    rows = await Delivery.filter(state=FAILED).order_by("id")
    assert len(rows) == count
    return rows


async def test_queue_stats_retry_discard(moot: MootInstance, remote: FakeRemote, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    first, second, third = await failed_deliveries(moot, remote, 3)
    assert await moot_command(moot, monkeypatch, "queue", "stats", "--failed") == 0
    out = capsys.readouterr().out
    assert "delivery" in out and remote.host in out and f"#{first.id}" in out
    line = next(row for row in out.splitlines() if row.startswith("delivery"))
    assert line.split()[-1] == "3"  # failed

    assert await moot_command(moot, monkeypatch, "queue", "retry", str(first.id)) == 0
    assert "Re-queued 1 failed delivery item" in capsys.readouterr().out
    assert (await Delivery.get(id=first.id)).state == PENDING

    assert await moot_command(moot, monkeypatch, "queue", "discard", "--host", remote.host) == 0
    assert "Discarded 2 failed delivery items to" in capsys.readouterr().out
    assert not await Delivery.filter(id__in=[second.id, third.id]).exists()
    assert await Delivery.filter(id=first.id).exists()  # pending again: not "failed", so not discarded

    # Naming nothing is refused, with a message and no traceback.
    assert await moot_command(moot, monkeypatch, "queue", "discard") == 2
    assert "--all-failed" in capsys.readouterr().err
    assert await moot_command(moot, monkeypatch, "queue", "retry", "--queue", "mail", "--host", "x.example") == 2
    assert "only deliveries have a host" in capsys.readouterr().err

    await moot.drain()
    assert (await Delivery.get(id=first.id)).state == "done"


def test_every_operations_command_has_help(capsys) -> None:  # type: ignore[no-untyped-def]
    for argv in (["queue", "--help"], ["queue", "stats", "--help"], ["queue", "retry", "--help"],
                 ["queue", "discard", "--help"], ["queue", "prune", "--help"], ["backup", "--help"]):
        with pytest.raises(SystemExit) as exit_info:
            build_parser().parse_args(argv)
        assert exit_info.value.code == 0
        assert "usage: moot" in capsys.readouterr().out


def row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}


async def test_backup_while_serving(moot: MootInstance, remote: FakeRemote, monkeypatch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    settings = settings_of(moot)
    if not settings.database_url.startswith("sqlite://"):
        assert await moot_command(moot, monkeypatch, "backup", str(tmp_path / "b")) == 2
        err = capsys.readouterr().err
        assert "pg_dump --format=custom" in err and settings.database_url.split("@")[-1] in err
        return
    await failed_deliveries(moot, remote, 2)
    owner, token = await moot.user("uploader")
    media_dir = Path(settings.data_dir) / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / "abcdefghijklmnopqrstuvwx.png").write_bytes(b"\x89PNG fake")
    await MediaFile.create(owner=owner, file_name="abcdefghijklmnopqrstuvwx.png", media_type="image/png", width=1,
                           height=1, size=9)

    # The server keeps answering (and writing) while the backup runs.
    async def keep_serving() -> int:
        done = 0
        for number in range(10):
            status, _ = await moot.api("POST", "/api/v1/statuses", token, json={"status": f"busy {number}"})
            done += status == 200
        return done

    source = Path(settings.database_url.removeprefix("sqlite://").split("?", 1)[0])
    busy = asyncio.create_task(keep_serving())
    assert await moot_command(moot, monkeypatch, "backup", str(tmp_path / "backup")) == 0
    assert await busy == 10
    out = capsys.readouterr().out
    assert "database: 100%" in out and "media: 1 file\n" in out and "Backup written to" in out
    copy = tmp_path / "backup" / "moot.sqlite3"
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copied = row_counts(copy)
    assert copied["delivery"] >= 3 and copied["media_file"] == 1
    # Quiet now: the copy has what the database had at one moment; a fresh one equals the live database.
    assert await moot_command(moot, monkeypatch, "backup", str(tmp_path / "again.tar.gz")) == 0
    with tarfile.open(tmp_path / "again.tar.gz") as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    assert row_counts(tmp_path / "unpacked" / "moot-backup" / "moot.sqlite3") == row_counts(source)
    assert (tmp_path / "unpacked" / "moot-backup" / "media" / "abcdefghijklmnopqrstuvwx.png").read_bytes() \
        == b"\x89PNG fake"
    # A backup never lands on top of another.
    assert await moot_command(moot, monkeypatch, "backup", str(tmp_path / "backup")) == 2
    assert "not an empty directory" in capsys.readouterr().err
