"""The notifications page, the unread count in the navigation, mark-read, and the preferences page."""
from __future__ import annotations

import re

from models.actors import Actor, LocalUser
from models.notifications import Notification
from tests.conftest import MootInstance
from tests.notifications.helpers import post
from tests.web.browser import FormClient
from web.passwords import hash_password

PASSWORD = "correct horse battery"


async def signed_in(moot: MootInstance, actor: Actor) -> FormClient:
    moot.use()
    await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
    client = FormClient(moot.base_url)
    page = await client.submit("/login", "/login", {"username": actor.local_name, "password": PASSWORD})
    assert "Sign out" in page.text
    return client


def unread_in_nav(html: str) -> str | None:
    found = re.search(r'<span class="visually-hidden">(\d+ unread notifications?)</span>', html)
    return found.group(1) if found else None


async def test_the_page_the_count_mark_read_and_preferences(moot: MootInstance) -> None:
    await moot.user("siteadmin", is_admin=True)  # else the site asks for its set-up first
    ann, ann_token = await moot.user("ann")
    cat, cat_token = await moot.user("cat", display_name="Cat Stevens")
    dan, dan_token = await moot.user("dan")
    mine = await post(moot, ann_token, "Who bakes?")
    await post(moot, cat_token, "I do!", in_reply_to_id=mine["id"])
    for token in (cat_token, dan_token):
        await moot.api("POST", f"/api/v1/statuses/{mine['id']}/favourite", token)
    client = await signed_in(moot, ann)
    try:
        page = await client.get("/explore")
        assert unread_in_nav(page.text) == "3 unread notifications"
        page = await client.get("/notifications")
        assert page.status == 200
        assert "Cat Stevens</a> replied to your post" in page.text
        assert re.search(r"dan</a> and 1 other liked your post|Cat Stevens</a> and 1 other liked your post", page.text)
        assert "I do!" in page.text
        mentions = await client.get("/notifications?filter=mentions")
        assert "liked your post" not in mentions.text and "replied to your post" in mentions.text

        reply = await Notification.get(recipient=ann, kind="reply")
        async with client.session.get(f"{moot.base_url}/notifications/{reply.id}", allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"] == f"/threads/{reply.post_id}"
        assert unread_in_nav((await client.get("/explore")).text) == "2 unread notifications"
        other = await moot.user("eve")
        eve_client = await signed_in(moot, other[0])
        assert (await eve_client.get(f"/notifications/{reply.id}")).status == 404  # not hers: missing alike
        await eve_client.close()

        done = await client.submit("/notifications", "/notifications/read", {})
        assert done.status == 200 and "All notifications are marked as read." in done.text
        assert unread_in_nav(done.text) is None

        page = await client.get("/settings/notifications")
        assert page.status == 200 and 'aria-current="page">Notifications' in page.text
        fields = {"web_mention": "1", "email_mention": "digest", "email_reply": "immediate", "email_favourite": "bogus"}
        saved = await client.submit("/settings/notifications", "/settings/notifications", fields)
        assert "Your notification settings are saved." in saved.text
        moot.use()
        from federation.notifications.core import preferences
        chosen = await preferences(ann.id)
        assert chosen["mention"].web and chosen["mention"].email == "digest"
        assert not chosen["reply"].web and chosen["reply"].email == "immediate"
        assert not chosen["favourite"].web and chosen["favourite"].email == "off"
        # Switched off on the web and by mail: a new like makes no notification at all.
        status, _ = await moot.api("POST", f"/api/v1/statuses/{(await post(moot, ann_token, 'More?'))['id']}/favourite",
                                       cat_token)
        assert status == 200
        moot.use()
        likes = await Notification.filter(recipient=ann, kind="favourite").order_by("id")
        assert [n.dismissed for n in likes] == [False, False]
    finally:
        await client.close()
