"""Media in S3-compatible storage (MOOT_MEDIA_STORAGE=s3), against a real S3 server on loopback (moto's).

Nothing reaches the internet: the endpoint is always given, AWS configuration files and the metadata service are
turned off while the server runs (tests/operations/s3server.py).
"""
from __future__ import annotations

import io
import sqlite3
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator

import aiohttp
import pytest
from PIL import Image

from federation import actions
from federation.groups.admin import GroupSettings, create_group
from federation.media_orphans import remove_orphaned_media
from federation.media_store import MediaStoreError, S3Config
from federation.media_store.s3 import S3MediaStore
from models.accounts import MediaFile
from models.actors import Actor, LocalUser
from models.posts import Post
from server import keys
from server.cli import main
from server.cli_backup import make_backup
from server.settings import Settings, SettingsError, load_settings
from tests.conftest import MootInstance, unused_port
from tests.operations.s3server import KEY, SECRET, Bucket, moto_server
from tests.web.browser import FormClient
from tests.web.test_media import fetch, png_bytes, upload
from web.passwords import hash_password

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(s3_endpoint: str) -> Bucket:
    return Bucket(s3_endpoint, f"moot-{uuid.uuid4().hex[:12]}")


def local_files(moot: MootInstance) -> list[str]:
    directory = Path(moot.app[keys.SETTINGS].data_dir) / "media"
    return sorted(path.name for path in directory.iterdir()) if directory.is_dir() else []


async def test_uploads_live_in_the_bucket_and_go_with_their_post(
        moot_factory: Callable[..., Awaitable[MootInstance]], bucket: Bucket) -> None:
    public = f"{bucket.endpoint}/{bucket.name}"
    bucket.allow_public_reads()
    moot = await moot_factory(**bucket.settings(s3_public_url=public))
    ada, token = await moot.user("ada")
    assert (await moot.fed.media_store.names()) == [] and bucket.keys() == []  # type: ignore[union-attr]

    # The API: the image is in the bucket, nowhere on disk, and Moot serves it from there.
    image = png_bytes((80, 60))
    status, media = await upload(moot, token, image, description="A red field")
    assert status == 200, media
    row = await MediaFile.get(id=int(media["id"]))
    assert bucket.keys() == [f"media/{row.file_name}"] and local_files(moot) == []
    stored, content_type = bucket.read(f"media/{row.file_name}")
    assert content_type == "image/png" and Image.open(io.BytesIO(stored)).size == (80, 60)
    # A post's image keeps Moot's URL (with its key): Moot checks who may see the post.
    assert media["url"].startswith(f"{moot.base_url}/media/{row.file_name}?k=")
    status, headers, body = await fetch(moot, media["url"])
    assert status == 200 and body == stored and headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff" and int(headers["Content-Length"]) == len(stored)
    async with moot.session.get(media["url"], headers={"If-None-Match": headers["ETag"]}) as response:
        assert response.status == 304

    # A followers-only post: its image is not served to strangers without the key, from the bucket or not.
    status, post = await moot.api("POST", "/api/v1/statuses", token, data=[
        ("status", "For my followers"), ("visibility", "private"), ("media_ids[]", media["id"])])
    assert status == 200, post
    (attachment,) = post["media_attachments"]
    assert attachment["id"] == media["id"] and attachment["url"] == media["url"]
    status, _, _ = await fetch(moot, media["url"].split("?", 1)[0])
    assert status == 404
    assert (await fetch(moot, media["url"]))[0] == 200

    # Deleting the post removes its image from the bucket; the URL answers 404.
    status, _ = await moot.api("DELETE", f"/api/v1/statuses/{post['id']}", token)
    assert status == 200
    assert bucket.keys() == [] and not await MediaFile.filter(id=row.id).exists()
    assert (await fetch(moot, media["url"]))[0] == 404

    # DELETE /api/v1/media/{id}: one's own unattached upload goes; an attached one stays (422); others' are 404.
    _, spare = await upload(moot, token, png_bytes(), description="Never mind")
    _, kept = await upload(moot, token, png_bytes(), description="Kept")
    status, post = await moot.api("POST", "/api/v1/statuses", token, data=[("status", "Kept"),
                                                                              ("media_ids[]", kept["id"])])
    assert status == 200
    _, other_token = await moot.user("bob")
    assert (await moot.api("DELETE", f"/api/v1/media/{spare['id']}", other_token))[0] == 404
    assert (await moot.api("DELETE", f"/api/v1/media/{kept['id']}", token))[0] == 422
    assert (await moot.api("DELETE", f"/api/v1/media/{spare['id']}", token)) == (200, {})
    kept_row = await MediaFile.get(id=int(kept["id"]))
    assert bucket.keys() == [f"media/{kept_row.file_name}"]

    # The orphan job: an upload no post used, older than a day, leaves the bucket; the attached one stays.
    _, orphan = await upload(moot, token, png_bytes(), description="Forgotten")
    orphan_row = await MediaFile.get(id=int(orphan["id"]))
    assert len(bucket.keys()) == 2
    assert await remove_orphaned_media(moot.fed, now=datetime.now(timezone.utc) + timedelta(hours=23)) == 0
    assert await remove_orphaned_media(moot.fed, now=datetime.now(timezone.utc) + timedelta(days=1, minutes=1)) == 1
    assert bucket.keys() == [f"media/{kept_row.file_name}"] and not await MediaFile.filter(id=orphan_row.id).exists()

    # The web: the composer stores images in the bucket; an avatar links straight to the bucket's public URL.
    await moot.user("siteadmin", is_admin=True)
    await LocalUser.filter(actor=ada).update(password_hash=hash_password("correct horse battery"))
    garden = await create_group(moot.fed, "gardening", ada, GroupSettings())
    await actions.follow(moot.fed, ada, garden)
    browser = FormClient(moot.base_url)
    try:
        await browser.submit("/login", "/login", {"username": "ada", "password": "correct horse battery"})
        page = await browser.submit("/groups/gardening", "/groups/gardening/posts", {
            "title": "Harvest", "body": "Look", "image1": io.BytesIO(png_bytes((90, 30))),
            "alt1": "Three red carrots on a table"})
        (attachment,) = (await Post.get(name="Harvest")).attachments
        composed = await MediaFile.get(description="Three red carrots on a table")
        assert f"media/{composed.file_name}" in bucket.keys()
        assert f'src="{attachment["url"]}" alt="Three red carrots on a table"' in page.text
        status, _, body = await fetch(moot, attachment["url"])
        assert status == 200 and body == bucket.read(f"media/{composed.file_name}")[0]
        page = await browser.submit("/settings", "/settings", {
            "display_name": "Ada", "bio": "", "locale": "en", "avatar": io.BytesIO(png_bytes((500, 500)))})
        assert page.status == 200 and "Saved." in page.text
        ada = await Actor.get(id=ada.id)
        avatar = await MediaFile.get(owner=ada, access_key=None)
        assert ada.icon_url == f"{public}/media/{avatar.file_name}"
        async with aiohttp.ClientSession() as plain:  # nobody's session: the bucket serves it alone
            async with plain.get(ada.icon_url) as response:
                assert response.status == 200 and Image.open(io.BytesIO(await response.read())).size == (400, 400)
        # Moot's own URL for it still works (streamed from the bucket).
        status, _, body = await fetch(moot, f"{moot.base_url}/media/{avatar.file_name}")
        assert status == 200 and Image.open(io.BytesIO(body)).size == (400, 400)
        # An avatar is a profile's, not an orphan, however old.
        assert await remove_orphaned_media(moot.fed, now=datetime.now(timezone.utc) + timedelta(days=30)) == 0
        assert f"media/{avatar.file_name}" in bucket.keys()
    finally:
        await browser.close()
    assert local_files(moot) == []


async def test_two_instances_share_one_bucket_and_one_database(
        moot_factory: Callable[..., Awaitable[MootInstance]], bucket: Bucket) -> None:
    """Several hosts serve one instance: what one stored, another serves."""
    writer = await moot_factory(**bucket.settings())
    _, token = await writer.user("cleo")
    status, media = await upload(writer, token, png_bytes((30, 30)), description="A small square")
    assert status == 200
    status, post = await writer.api("POST", "/api/v1/statuses", token,
                                     data=[("status", "Shared"), ("media_ids[]", media["id"])])
    assert status == 200
    reader = await moot_factory(database_url=writer.app[keys.SETTINGS].database_url, **bucket.settings())
    assert Path(reader.app[keys.SETTINGS].data_dir) != Path(writer.app[keys.SETTINGS].data_dir)
    path = media["url"].removeprefix(writer.base_url)
    status, headers, body = await fetch(reader, reader.base_url + path)
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(body)).size == (30, 30)
    assert local_files(reader) == [] and local_files(writer) == []
    writer.use()
    assert await Post.filter(id=int(post["id"])).exists()


async def test_misconfigured_storage_is_a_clear_start_up_error(
        s3_endpoint: str, new_database: Callable[[], Awaitable[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SettingsError, match="MOOT_S3_BUCKET, MOOT_S3_SECRET_KEY are not set"):
        load_settings({"MOOT_MEDIA_STORAGE": "s3", "MOOT_S3_ENDPOINT": s3_endpoint, "MOOT_S3_ACCESS_KEY": KEY},
                      toml_path=tmp_path / "none.toml")
    with pytest.raises(SettingsError, match="MOOT_MEDIA_STORAGE must be one of local, s3"):
        load_settings({"MOOT_MEDIA_STORAGE": "ftp"}, toml_path=tmp_path / "none.toml")
    with pytest.raises(SettingsError, match="MOOT_S3_ENDPOINT must be an http"):
        load_settings({"MOOT_MEDIA_STORAGE": "s3", "MOOT_S3_ENDPOINT": "s3.example", "MOOT_S3_BUCKET": "b",
                       "MOOT_S3_ACCESS_KEY": KEY, "MOOT_S3_SECRET_KEY": SECRET}, toml_path=tmp_path / "none.toml")
    assert load_settings({}, toml_path=tmp_path / "none.toml").media_storage == "local"

    # A bucket that is not there: the store says so before anything is served.
    with pytest.raises(MediaStoreError, match="does not exist"):
        await S3MediaStore(S3Config(s3_endpoint, "no-such-bucket", KEY, SECRET)).check()
    # Nothing listens there: "cannot be reached", after a few quick retries.
    with pytest.raises(MediaStoreError, match="at http://127.0.0.1:.* cannot be reached"):
        await S3MediaStore(S3Config(f"http://127.0.0.1:{unused_port()}", "moot", KEY, SECRET)).check()
    with pytest.raises(MediaStoreError, match="MOOT_S3_ENDPOINT must be an http"):
        S3MediaStore(S3Config("s3.example", "moot", KEY, SECRET))
    # `moot worker` (and `moot serve`) stop with that sentence, not a traceback.
    env = {"MOOT_DATABASE_URL": await new_database(), "MOOT_DATA_DIR": str(tmp_path / "data"),
           "MOOT_CONFIG": str(tmp_path / "none.toml"), "MOOT_MEDIA_STORAGE": "s3", "MOOT_S3_ENDPOINT": s3_endpoint,
           "MOOT_S3_BUCKET": "no-such-bucket", "MOOT_S3_ACCESS_KEY": KEY, "MOOT_S3_SECRET_KEY": SECRET}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    assert await _in_thread(main, ["worker"]) == 2
    err = capsys.readouterr().err
    assert "moot: media storage: the bucket 'no-such-bucket'" in err and "does not exist" in err
    assert "Traceback" not in err


async def _in_thread(function: Callable[..., Any], *args: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(function, *args)


def test_backup_of_an_s3_instance_copies_the_database_and_says_the_bucket_is_separate(tmp_path: Path) -> None:
    database = tmp_path / "moot.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE t (x)")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "leftover.png").write_bytes(b"old local file")
    settings = Settings(base_url="https://moot.example", database_url=f"sqlite://{database}", data_dir=tmp_path,
                        media_storage="s3", s3_endpoint="https://s3.example", s3_bucket="moot-media",
                        s3_access_key=KEY, s3_secret_key=SECRET)
    lines: list[str] = []
    target = make_backup(settings, str(tmp_path / "backup"), lines.append)
    assert (target / "moot.sqlite3").is_file() and not (target / "media").exists()
    assert any("media: skipped, it is kept in the S3 bucket 'moot-media' at https://s3.example" in line
               and "back the bucket up on its own" in line for line in lines)


async def test_moving_a_local_instance_into_a_bucket(
        moot: MootInstance, bucket: Bucket, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`moot media copy-local` copies the files the database names; `moot media check` compares both sides."""
    _, token = await moot.user("eve")
    names = []
    for colour in ((200, 0, 0), (0, 200, 0)):
        status, media = await upload(moot, token, png_bytes(color=colour), description="A square")
        assert status == 200
        names.append((await MediaFile.get(id=int(media["id"]))).file_name)
    assert local_files(moot) == sorted(names)
    settings = moot.app[keys.SETTINGS]
    env = {"MOOT_DATABASE_URL": settings.database_url, "MOOT_DATA_DIR": str(settings.data_dir),
           "MOOT_BASE_URL": moot.base_url, "MOOT_CONFIG": "/nonexistent/moot.toml", "MOOT_MEDIA_STORAGE": "s3",
           "MOOT_S3_ENDPOINT": bucket.endpoint, "MOOT_S3_BUCKET": bucket.name, "MOOT_S3_ACCESS_KEY": KEY,
           "MOOT_S3_SECRET_KEY": SECRET}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    assert await _in_thread(main, ["media", "check"]) == 0
    assert "missing from the bucket: 2" in capsys.readouterr().out
    assert await _in_thread(main, ["media", "copy-local"]) == 0
    assert "copied: 2, already in the bucket: 0, missing on disk: 0" in capsys.readouterr().out
    assert bucket.keys() == sorted(f"media/{name}" for name in names)
    assert bucket.read(f"media/{names[0]}") == ((Path(settings.data_dir) / "media" / names[0]).read_bytes(),
                                                "image/png")
    bucket.client.put_object(Bucket=bucket.name, Key="media/strayStrayStrayStray.png", Body=b"x")
    assert await _in_thread(main, ["media", "copy-local"]) == 0
    assert "copied: 0, already in the bucket: 2" in capsys.readouterr().out
    assert await _in_thread(main, ["media", "check"]) == 0
    out = capsys.readouterr().out
    assert "missing from the bucket: 0" in out and "unknown to the database: 1" in out
    assert "strayStrayStrayStray.png" in out
    # On local storage there is nothing to copy into.
    monkeypatch.setenv("MOOT_MEDIA_STORAGE", "local")
    assert await _in_thread(main, ["media", "copy-local"]) == 2
    assert "set MOOT_MEDIA_STORAGE=s3" in capsys.readouterr().err
