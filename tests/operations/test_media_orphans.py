"""Uploads no post used are removed after a day by the workers' housekeeping; attached media, avatars and
recent uploads stay."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from federation.media_orphans import remove_orphaned_media
from models.accounts import MediaFile
from models.actors import Actor
from server import keys
from tests.conftest import MootInstance
from tests.web.test_media import png_bytes, upload
from web.media import AVATAR, media_url, store_image


async def test_old_orphans_go_attached_and_profile_media_stay(moot: MootInstance) -> None:
    owner, token = await moot.user("uploader")
    settings = moot.app[keys.SETTINGS]
    directory = Path(settings.data_dir) / "media"
    _, used = await upload(moot, token, png_bytes(), description="In the post")
    _, orphan = await upload(moot, token, png_bytes(), description="Never posted")
    _, recent = await upload(moot, token, png_bytes(), description="Posted soon, maybe")
    status, post = await moot.api("POST", "/api/v1/statuses", token,
                                  data=[("status", "With a picture"), ("media_ids[]", used["id"])])
    assert status == 200, post
    avatar = await store_image(settings, owner, png_bytes((200, 200)), "", AVATAR, store=moot.fed.media_store)
    await Actor.filter(id=owner.id).update(icon_url=media_url(settings.base_url, avatar.file_name))
    rows = {row.id: row for row in await MediaFile.all()}
    assert len(rows) == 4 and all((directory / row.file_name).is_file() for row in rows.values())

    two_days_ago = datetime.now(timezone.utc) - timedelta(days=2)
    await MediaFile.exclude(id=int(recent["id"])).update(created_at=two_days_ago)
    moot.fed.last_housekeeping = float("-inf")  # housekeeping is due on the next pass
    await moot.drain()

    left = set(await MediaFile.all().values_list("id", flat=True))
    assert left == {int(used["id"]), int(recent["id"]), avatar.id}
    assert not (directory / rows[int(orphan["id"])].file_name).exists()
    assert all((directory / rows[ident].file_name).is_file() for ident in left)
    assert moot.fed.metrics.media_removed._value.get() == 1  # type: ignore[attr-defined]
    # The post still shows its image.
    status, shown = await moot.api("GET", f"/api/v1/statuses/{post['id']}", token)
    assert status == 200 and shown["media_attachments"][0]["id"] == used["id"]

    # A day later the recent one goes too; a second sweep finds nothing more.
    assert await remove_orphaned_media(moot.fed, now=datetime.now(timezone.utc) + timedelta(days=1, minutes=1)) == 1
    assert await remove_orphaned_media(moot.fed, now=datetime.now(timezone.utc) + timedelta(days=5)) == 0
    assert set(await MediaFile.all().values_list("id", flat=True)) == {int(used["id"]), avatar.id}
