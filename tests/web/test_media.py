"""Media: uploads are sniffed, cleaned and resized with Pillow, served safely, and federate as Image attachments."""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Awaitable, Callable

import aiohttp
import pytest
from aiohttp.web_request import FileField
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict
from PIL import ExifTags, Image
from yarl import URL

from federation import actions
from federation.groups.admin import GroupSettings, create_group
from models.accounts import MediaFile
from models.actors import Actor, LocalUser
from models.posts import Post
from server import keys
from server.settings import SettingsError, load_settings
from tests.conftest import MootInstance
from tests.fakeremote import PUBLIC, FakeRemote
from tests.federation.test_mastodon_remote import follow_activity
from tests.web.browser import FormClient
from web.imaging import process_image
from web.media import MediaError, attachments_from_form, media_dir
from web.passwords import hash_password

RED, BLUE = (220, 20, 20), (20, 20, 220)


def png_bytes(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = RED) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def noisy_png(size: tuple[int, int]) -> bytes:
    """Random pixels do not compress: a small canvas makes a big file."""
    import os

    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps_and_orientation() -> bytes:
    """3000x1000, red left half and blue right half, stored sideways: EXIF orientation 6 (rotate 90° clockwise)."""
    image = Image.new("RGB", (3000, 1000), BLUE)
    image.paste(RED, (0, 0, 1500, 1000))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "SecretCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 5.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 2.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png_bomb_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims a 10-gigapixel canvas."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


async def upload(moot: MootInstance, token: str, data: bytes, description: str | None = "A red square",
                 filename: str = "image.png", content_type: str = "image/png", version: str = "v2") -> tuple[int, Any]:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=filename, content_type=content_type)
    if description is not None:
        form.add_field("description", description)
    return await moot.api("POST", f"/api/{version}/media", token, data=form)


async def fetch(moot: MootInstance, url: str) -> tuple[int, CIMultiDictProxy[str], bytes]:
    async with moot.session.get(URL(url, encoded=True)) as response:
        return response.status, response.headers, await response.read()


@pytest.fixture
async def small_moot(moot_factory: Callable[..., Awaitable[MootInstance]]) -> MootInstance:
    return await moot_factory(media_max_bytes=20_000)


def stored_files(moot: MootInstance) -> list[Path]:
    directory = media_dir(moot.app[keys.SETTINGS])
    return sorted(directory.iterdir()) if directory.exists() else []


# --- processing and serving ----------------------------------------------------------------------------------


async def test_png_upload_is_stored_and_served_with_a_safe_content_type(moot: MootInstance) -> None:
    ada, token = await moot.user("ada")
    status, media = await upload(moot, token, png_bytes((64, 48)), filename="cat.gif", content_type="image/gif")
    assert status == 200, media
    assert media["type"] == "image" and media["description"] == "A red square"
    assert media["meta"]["original"] == {"width": 64, "height": 48, "size": "64x48", "aspect": 64 / 48}
    assert media["url"].startswith(f"{moot.base_url}/media/") and media["url"].split("?")[0].endswith(".png")
    row = await MediaFile.get(id=int(media["id"]))
    assert row.owner_id == ada.id and row.media_type == "image/png" and row.post_id is None
    (path,) = stored_files(moot)
    assert path.name == row.file_name and path.parent == Path(moot.app[keys.SETTINGS].data_dir) / "media"

    status, headers, body = await fetch(moot, media["url"])
    assert status == 200
    # The type comes from the decoded pixels, not from the name or Content-Type the browser sent.
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "max-age=31536000" in headers["Cache-Control"]
    assert Image.open(io.BytesIO(body)).size == (64, 48)


async def test_jpeg_loses_exif_and_gps_is_turned_upright_and_resized(moot: MootInstance) -> None:
    original = jpeg_with_gps_and_orientation()
    exif = Image.open(io.BytesIO(original)).getexif()
    assert exif[ExifTags.Base.Orientation] == 6 and exif.get_ifd(ExifTags.IFD.GPSInfo), "the input must carry GPS"
    _, token = await moot.user("ada")
    status, media = await upload(moot, token, original, description="Red above blue", filename="photo.jpg",
                                 content_type="image/jpeg")
    assert status == 200, media
    # Turned upright (1000x3000) before the long side was capped at 2048 px.
    assert media["meta"]["original"]["width"] == 683 and media["meta"]["original"]["height"] == 2048
    status, headers, body = await fetch(moot, media["url"])
    assert headers["Content-Type"] == "image/jpeg"
    served = Image.open(io.BytesIO(body))
    assert served.format == "JPEG" and served.size == (683, 2048)
    assert not served.getexif() and "exif" not in served.info
    assert b"Exif" not in body and b"SecretCam" not in body
    top, bottom = served.convert("RGB").getpixel((340, 100)), served.convert("RGB").getpixel((340, 1950))
    assert top[0] > 150 and top[2] < 100, f"the left (red) half must now be on top, got {top}"
    assert bottom[2] > 150 and bottom[0] < 100, f"the right (blue) half must now be at the bottom, got {bottom}"


async def test_a_text_file_named_png_is_refused(moot: MootInstance) -> None:
    _, token = await moot.user("ada")
    status, body = await upload(moot, token, b"#!/bin/sh\necho not a picture\n" * 10, filename="cat.png")
    assert status == 422 and "not an image" in body["error"]
    status, body = await upload(moot, token, b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
                                filename="cat.png")
    assert status == 422 and "not supported" in body["error"] and "JPEG, PNG, GIF or WebP" in body["error"]
    assert await MediaFile.all().count() == 0 and stored_files(moot) == []


async def test_files_over_the_size_limit_are_refused(small_moot: MootInstance) -> None:
    moot = small_moot
    _, token = await moot.user("ada")
    big = noisy_png((120, 120))
    assert len(big) > 20_000
    status, body = await upload(moot, token, big)
    assert status == 413 and "too large" in body["error"] and "19.5 KB" in body["error"]
    status, _ = await upload(moot, token, png_bytes())
    assert status == 200, "a small image still fits under the limit"
    assert await MediaFile.all().count() == 1


async def test_a_decompression_bomb_header_is_refused(moot: MootInstance) -> None:
    _, token = await moot.user("ada")
    status, body = await upload(moot, token, png_bomb_header())
    assert status == 413 and "too many pixels" in body["error"]
    assert await MediaFile.all().count() == 0 and stored_files(moot) == []


async def test_only_stored_names_are_served(moot: MootInstance) -> None:
    _, token = await moot.user("ada")
    status, media = await upload(moot, token, png_bytes())
    directory = media_dir(moot.app[keys.SETTINGS])
    data_dir = directory.parent
    (data_dir / "secret.txt").write_text("the database password")
    # A file in the media folder with a valid-looking name but no row is not served either.
    (directory / "AAAAAAAAAAAAAAAAAAAAAAAA.png").write_bytes(png_bytes())
    for path in ("/media/..%2Fsecret.txt", "/media/%2E%2E%2Fsecret.txt", "/media/..%5Csecret.txt",
                 "/media/secret.txt", "/media/AAAAAAAAAAAAAAAAAAAAAAAA.png", "/media/nope.png",
                 "/media/" + media["url"].rsplit("/", 1)[1].split("?")[0] + "%00.html"):
        status, _, body = await fetch(moot, moot.base_url + path)
        assert status == 404, path
        assert b"database password" not in body
    status, _, _ = await fetch(moot, media["url"])
    assert status == 200


async def test_uploads_need_a_token_and_alt_text(moot: MootInstance) -> None:
    _, token = await moot.user("ada")
    status, _ = await upload(moot, "", png_bytes())
    assert status == 401
    for description in (None, "   "):
        status, body = await upload(moot, token, png_bytes(), description=description, version="v1")
        assert status == 422 and "Describe the image for people who cannot see it" in body["error"]
    assert await MediaFile.all().count() == 0


# --- attachments federate ------------------------------------------------------------------------------------


async def test_status_with_media_ids_federates_an_image_attachment(moot: MootInstance, remote: FakeRemote) -> None:
    owner, _ = await moot.user("owner")
    page, token = await moot.page("news", owner)
    alice = remote.add_actor("alice")
    status, body = await remote.send(alice, page.inbox, follow_activity(alice, page.uri))
    assert status == 202, body
    await moot.drain()
    remote.received.clear()

    _, first = await upload(moot, token, png_bytes((800, 600)), description="Our shop front, painted red")
    _, second = await upload(moot, token, jpeg_with_gps_and_orientation(), description="A red and blue flag")
    status, post = await moot.api("POST", "/api/v1/statuses", token,
                                  data=[("status", "We opened!"), ("media_ids[]", first["id"]),
                                        ("media_ids[]", second["id"])])
    assert status == 200, post
    assert [m["id"] for m in post["media_attachments"]] == [first["id"], second["id"]]
    assert post["media_attachments"][0]["description"] == "Our shop front, painted red"
    await moot.drain()

    (create,) = [r for r in remote.received if r.body["type"] == "Create"]
    assert create.verified
    attachments = create.body["object"]["attachment"]
    assert attachments == [
        {"type": "Image", "mediaType": "image/png", "url": first["url"], "name": "Our shop front, painted red",
         "width": 800, "height": 600},
        {"type": "Image", "mediaType": "image/jpeg", "url": second["url"], "name": "A red and blue flag",
         "width": 683, "height": 2048},
    ]
    db_post = await Post.get(uri=post["uri"])
    assert {m.id for m in await MediaFile.filter(post=db_post)} == {int(first["id"]), int(second["id"])}
    # The object served at its id carries the same attachments.
    _, fetched = await moot.get_ap(post["uri"])
    assert fetched["attachment"] == attachments

    # Attached media cannot be attached again, and nobody can attach someone else's media.
    status, body = await moot.api("POST", "/api/v1/statuses", token,
                                  json={"status": "Again", "media_ids": [first["id"]]})
    assert status == 422 and "already attached" in body["error"]
    _, other_token = await moot.user("mallory")
    _, theirs = await upload(moot, token, png_bytes(), description="Mine")
    status, body = await moot.api("POST", "/api/v1/statuses", other_token,
                                  json={"status": "Stolen", "media_ids": [theirs["id"]]})
    assert status == 422
    # A post can be only images.
    status, only_image = await moot.api("POST", "/api/v1/statuses", token, json={"media_ids": [theirs["id"]]})
    assert status == 200 and only_image["media_attachments"][0]["id"] == theirs["id"]


async def test_composer_form_needs_alt_text_for_every_image(moot: MootInstance) -> None:
    ada, _ = await moot.user("ada")
    request = SimpleNamespace(app=moot.app)

    def file_field(name: str, data: bytes, filename: str = "picture.png") -> FileField:
        headers: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict())
        return FileField(name, filename, io.BytesIO(data), "image/png", headers)  # type: ignore[arg-type]

    form = MultiDict({"image1": file_field("image1", png_bytes()), "alt1": "A red square",
                      "image2": file_field("image2", png_bytes(color=BLUE)), "alt2": " ",
                      # A file input left empty: the browser still sends a part, with no name and no bytes.
                      "image3": file_field("image3", b"", filename=""), "alt3": ""})
    with pytest.raises(MediaError) as caught:
        await attachments_from_form(request, ada, form)  # type: ignore[arg-type]
    assert str(caught.value) == "Image 2 needs a description for people who cannot see it (alt text)."
    assert await MediaFile.all().count() == 0 and stored_files(moot) == []

    form["alt2"] = "A blue square"
    form["image2"] = file_field("image2", png_bytes(color=BLUE))
    form["image1"] = file_field("image1", png_bytes())
    docs = await attachments_from_form(request, ada, form)  # type: ignore[arg-type]
    assert [(d["type"], d["mediaType"], d["name"], d["width"], d["height"]) for d in docs] == [
        ("Image", "image/png", "A red square", 64, 48), ("Image", "image/png", "A blue square", 64, 48)]
    assert len(stored_files(moot)) == 2

    # One refused image means none is kept.
    form["image2"] = file_field("image2", b"not an image at all")
    form["image1"] = file_field("image1", png_bytes())
    with pytest.raises(MediaError, match="not an image"):
        await attachments_from_form(request, ada, form)  # type: ignore[arg-type]
    assert await MediaFile.all().count() == 2 and len(stored_files(moot)) == 2


# --- avatars and headers -------------------------------------------------------------------------------------


async def test_avatar_upload_sets_the_icon_and_federates_update_person(moot: MootInstance, remote: FakeRemote) -> None:
    browser = FormClient(moot.base_url)
    try:
        await browser.submit("/setup", "/setup", {"username": "ada", "password": "correct horse",
                                                  "confirm": "correct horse"})
        ada = await Actor.get(local_name="ada")
        bob = remote.add_actor("bob")
        status, body = await remote.send(bob, ada.inbox, follow_activity(bob, ada.uri))
        assert status == 202, body
        await moot.drain()
        remote.received.clear()

        page = await browser.get("/settings")
        assert 'for="f-avatar"' in page.text and 'id="f-avatar"' in page.text and 'for="f-header"' in page.text
        page = await browser.submit("/settings", "/settings", {
            "display_name": "Ada L.", "bio": "Counting engines", "locale": "en",
            "avatar": io.BytesIO(png_bytes((900, 600))), "header": io.BytesIO(png_bytes((3000, 2000), BLUE)),
        })
        assert page.status == 200 and "Saved." in page.text
        ada = await Actor.get(local_name="ada")
        assert ada.display_name == "Ada L." and ada.icon_url and ada.image_url
        status, headers, body = await fetch(moot, ada.icon_url)
        assert status == 200 and headers["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(body)).size == (400, 400)
        _, _, body = await fetch(moot, ada.image_url)
        assert Image.open(io.BytesIO(body)).size == (1500, 500)
        assert f'src="{ada.icon_url}"' in page.text

        await moot.drain()
        (update,) = remote.activities("Update")
        assert update["actor"] == ada.uri and update["to"] == [PUBLIC] and update["cc"] == [ada.followers_url]
        person = update["object"]
        assert person["type"] == "Person" and person["id"] == ada.uri and person["name"] == "Ada L."
        assert person["icon"] == {"type": "Image", "url": ada.icon_url}
        assert person["image"] == {"type": "Image", "url": ada.image_url}
        assert [r.verified for r in remote.received if r.body["type"] == "Update"] == [True]

        # A refused avatar changes nothing and says why, on the form.
        remote.received.clear()
        page = await browser.submit("/settings", "/settings", {
            "display_name": "Ada L.", "bio": "Counting engines", "avatar": io.BytesIO(b"plain text, not a picture")})
        assert page.status == 422 and "This file is not an image" in page.text and 'role="alert"' in page.text
        assert (await Actor.get(local_name="ada")).icon_url == ada.icon_url
        await moot.drain()
        assert remote.activities("Update") == []

        # Removing the avatar federates too.
        page = await browser.submit("/settings", "/settings", {
            "display_name": "Ada L.", "bio": "Counting engines", "remove_avatar": "1"})
        assert (await Actor.get(local_name="ada")).icon_url is None
        await moot.drain()
        (update,) = remote.activities("Update")
        assert "icon" not in update["object"]
    finally:
        await browser.close()


async def test_group_composer_attaches_images_with_alt_text(moot: MootInstance) -> None:
    await moot.user("siteadmin", is_admin=True)
    cleo, _ = await moot.user("cleo")
    await LocalUser.filter(actor=cleo).update(password_hash=hash_password("correct horse battery"))
    bob, _ = await moot.user("bob")
    garden = await create_group(moot.fed, "gardening", bob, GroupSettings())
    await actions.follow(moot.fed, cleo, garden)
    browser = FormClient(moot.base_url)
    try:
        await browser.submit("/login", "/login", {"username": "cleo", "password": "correct horse battery"})
        page = await browser.get("/groups/gardening")
        assert 'for="composer-image1"' in page.text and 'name="alt4"' in page.text
        assert "Describe the image for people who cannot see it (required)" in page.text

        page = await browser.submit("/groups/gardening", "/groups/gardening/posts", {
            "title": "Harvest", "body": "Look", "image1": io.BytesIO(png_bytes((900, 300))), "alt1": ""})
        assert page.status == 422 and "Image 1 needs a description for people who cannot see it" in page.text
        assert not await Post.filter(name="Harvest").exists() and await MediaFile.all().count() == 0

        page = await browser.submit("/groups/gardening", "/groups/gardening/posts", {
            "title": "Harvest", "body": "Look", "image1": io.BytesIO(png_bytes((900, 300))),
            "alt1": "Three red carrots on a table"})
        created = await Post.get(name="Harvest")
        assert page.url.endswith(f"/threads/{created.id}?notice=posted")
        (attachment,) = created.attachments
        assert attachment["type"] == "Image" and attachment["name"] == "Three red carrots on a table"
        assert (attachment["width"], attachment["height"]) == (900, 300)
        assert f'src="{attachment["url"]}" alt="Three red carrots on a table"' in page.text
        status, headers, _ = await fetch(moot, attachment["url"])
        assert status == 200 and headers["Content-Type"] == "image/png"
        # The image was stored before the post existed; it belongs to the post now.
        assert [media.post_id for media in await MediaFile.all()] == [created.id]
    finally:
        await browser.close()


def test_the_upload_limit_is_a_setting() -> None:
    assert load_settings({}, toml_path=Path("/nonexistent.toml")).media_max_bytes == 8 * 1024 * 1024
    assert load_settings({"MOOT_MEDIA_MAX_BYTES": "1000"}, toml_path=Path("/nonexistent.toml")).media_max_bytes == 1000
    with pytest.raises(SettingsError, match="MOOT_MEDIA_MAX_BYTES"):
        load_settings({"MOOT_MEDIA_MAX_BYTES": "0"}, toml_path=Path("/nonexistent.toml"))


def test_animations_stay_animated_and_lose_their_comments() -> None:
    frames = [Image.new("RGB", (3000, 200), (40 * i, 0, 0)) for i in range(4)]
    original = io.BytesIO()
    frames[0].save(original, "GIF", save_all=True, append_images=frames[1:], duration=70, loop=0,
                   comment=b"taken at 52.37N 4.89E")
    result = process_image(original.getvalue(), "attachment", 8 * 1024 * 1024)
    assert (result.media_type, result.width, result.height) == ("image/gif", 2048, 137)
    cleaned = Image.open(io.BytesIO(result.data))
    assert cleaned.n_frames == 4 and cleaned.info.get("duration") == 70 and "comment" not in cleaned.info
    assert b"52.37N" not in result.data
    # Transparency survives re-encoding.
    clear = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    out = io.BytesIO()
    clear.save(out, "PNG")
    assert Image.open(io.BytesIO(process_image(out.getvalue(), "avatar", 10_000).data)).getpixel((5, 5))[3] == 0
