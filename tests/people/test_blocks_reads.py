"""Every read that leaves blocked and muted accounts out, through the one helper (federation/people/
personal_filters.py): the home timeline, conversations, notifications from a remote account, the promotion
slot, and the account export's blocked_accounts.csv and muted_accounts.csv."""
from __future__ import annotations

import io
import zipfile

from federation.people import blocks, mutes
from federation.promotions.policy import OPEN, set_policy
from federation.promotions.requests import request_promotion
from federation.promotions.showing import pick_for
from models.actors import Actor
from models.notifications import Notification
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import activity
from tests.notifications.helpers import deliver, note
from tests.promotions.helpers import build, signed_in


async def test_promotions_home_conversations_remote_notifications_and_export(
    moot: MootInstance, remote: FakeRemote
) -> None:
    w = await build(moot)
    await set_policy(w.admin, mode=OPEN, daily_cap=50)
    await request_promotion(w.page, w.owner, w.post, days=3)
    assert (await pick_for(w.reader)).page.id == w.page.id
    # The promotion slot never shows a page the reader mutes (for a day), nor one it blocks.
    await mutes.mute(w.reader, w.page, duration=86400)
    assert await pick_for(w.reader) is None
    assert await pick_for(None) is not None  # others still see it
    await mutes.unmute(w.reader, w.page)
    await blocks.block(moot.fed, w.reader, w.page)
    assert await pick_for(w.reader) is None

    # Home: the reader follows zed (remote); once muted, zed's posts leave home, and zed's direct message
    # leaves the conversations. Notifications: a muted-with-notifications or blocked remote account makes none.
    zed = remote.add_actor("zed")
    await deliver(moot, remote, zed, w.reader.inbox, activity(zed, "Follow", w.reader.uri))
    zed_row = await Actor.get(uri=zed.uri)
    code, _ = await moot.api("POST", f"/api/v1/accounts/{zed_row.id}/follow", w.reader_token)
    await moot.drain()
    (follow,) = [r.body for r in remote.received if r.body.get("type") == "Follow"]
    await deliver(moot, remote, zed, w.reader.inbox, activity(zed, "Accept", follow))
    await deliver(moot, remote, zed, w.reader.inbox, note(zed, "Zed's morning post"))
    dm = note(zed, "psst", mention=w.reader, to=[w.reader.uri])
    dm["cc"] = dm["object"]["cc"] = []  # a direct message: to the reader only
    await deliver(moot, remote, zed, w.reader.inbox, dm)
    code, home = await moot.api("GET", "/api/v1/timelines/home", w.reader_token)
    assert {s["account"]["id"] for s in home} == {str(zed_row.id)} and len(home) == 2
    code, conversations = await moot.api("GET", "/api/v1/conversations", w.reader_token)
    assert len(conversations) == 1
    kinds = await Notification.filter(recipient_id=w.reader.id, from_actor_id=zed_row.id).count()
    assert kinds >= 2  # the follow and the mention

    await mutes.mute(w.reader, zed_row, notifications=True)
    code, home = await moot.api("GET", "/api/v1/timelines/home", w.reader_token)
    assert home == []
    code, conversations = await moot.api("GET", "/api/v1/conversations", w.reader_token)
    assert conversations == []
    code, listed = await moot.api("GET", "/api/v1/notifications", w.reader_token)
    assert all(n["account"]["id"] != str(zed_row.id) for n in listed)
    before = await Notification.filter(recipient_id=w.reader.id).count()
    await deliver(moot, remote, zed, w.reader.inbox, note(zed, "@rita again", mention=w.reader))
    assert await Notification.filter(recipient_id=w.reader.id).count() == before  # none made
    # Muted without notifications: the mention notifies again (the post stays out of home).
    await mutes.mute(w.reader, zed_row, notifications=False)
    await deliver(moot, remote, zed, w.reader.inbox, note(zed, "@rita third", mention=w.reader))
    assert await Notification.filter(recipient_id=w.reader.id).count() == before + 1
    code, listed = await moot.api("GET", "/api/v1/notifications", w.reader_token)
    assert any(n["account"]["id"] == str(zed_row.id) for n in listed)

    # The export: Mastodon's CSV shapes.
    cody_mute = await mutes.mute(w.reader, w.coadmin, notifications=False)
    assert cody_mute.expires_at is None
    browser = await signed_in(moot, w.reader)
    try:
        async with browser.session.get(moot.base_url + "/settings/account/export") as response:
            assert response.status == 200
            archive = zipfile.ZipFile(io.BytesIO(await response.read()))
    finally:
        await browser.close()
    host = moot.host
    assert archive.read("blocked_accounts.csv").decode() == f"bakery@{host}\n"
    assert archive.read("muted_accounts.csv").decode() == (
        f"Account address,Hide notifications\nzed@{remote.host},false\ncody@{host},false\n")
