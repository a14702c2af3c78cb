"""Notification mail through a real SMTP server: at once or as a daily digest, in the person's language, with a
one-click unsubscribe (RFC 8058) that works without signing in."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import aiohttp

from federation.jobs import run_due_jobs
from federation.notifications.core import preferences, set_preference
from models.actors import LocalUser
from models.mail import OutboundMail
from models.notifications import UnsubscribeToken
from tests.fakeremote import AS, FakeRemote
from tests.notifications.helpers import deliver, note, post
from tests.smtp import MailCatcher


async def test_an_immediate_mail_arrives_and_its_one_click_unsubscribe_works(
    moot_factory, smtp: MailCatcher, remote: FakeRemote,
) -> None:
    moot = await moot_factory(**smtp.settings)
    ann, _ = await moot.user("ann")
    nobody, _ = await moot.user("nomail")  # no address: nothing is queued
    await LocalUser.filter(actor=ann).update(email="ann@example.test", locale="nl")
    for person in (ann, nobody):
        await set_preference(person.id, "mention", web=True, email="immediate")
    bob = remote.add_actor("bob")
    await deliver(moot, remote, bob, ann.inbox, note(bob, "@ann @nomail are you coming?", mention=ann))
    await deliver(moot, remote, bob, nobody.inbox, note(bob, "@nomail and you?", mention=nobody))
    await moot.drain()
    [message] = await smtp.wait_for(1)
    assert message["To"] == "ann@example.test"
    assert message["Subject"].startswith("Bob ")  # "Bob heeft je genoemd" once the Dutch catalogue has it
    link = message["List-Unsubscribe"].strip("<>")
    assert link.startswith(moot.base_url + "/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    assert f"{moot.base_url}/threads/" in text and link in text
    assert link in message.get_body(("html",)).get_content()
    moot.use()
    assert await OutboundMail.all().count() == 1
    assert await UnsubscribeToken.filter(token_hash=link.rsplit("/", 1)[1]).count() == 0  # only its hash is kept

    # The link shows a confirm page (no sign-in); a mail program's one-click POST turns the mail off.
    async with aiohttp.ClientSession() as browser:
        async with browser.get(link) as response:
            assert response.status == 200 and "Unsubscribe" in await response.text()
        async with browser.post(link, data="List-Unsubscribe=One-Click",
                                headers={"Content-Type": "application/x-www-form-urlencoded"}) as response:
            assert response.status == 200
        async with browser.get(moot.base_url + "/unsubscribe/not-a-token") as response:
            assert response.status == 404
    moot.use()
    assert (await preferences(ann.id))["mention"].email == "off"
    assert (await preferences(ann.id))["mention"].web is True


async def test_a_daily_digest_gathers_the_day_in_one_mail(moot_factory, smtp: MailCatcher, remote: FakeRemote) -> None:
    moot = await moot_factory(**smtp.settings)
    ann, ann_token = await moot.user("ann")
    await LocalUser.filter(actor=ann).update(email="ann@example.test")
    await set_preference(ann.id, "favourite", web=True, email="digest")
    await set_preference(ann.id, "follow", web=False, email="digest")  # mailed only, not listed
    mine = await post(moot, ann_token, "Bread recipe")
    fans = [remote.add_actor(name) for name in ("bob", "bea", "ben")]
    for fan in fans:
        await deliver(moot, remote, fan, ann.inbox,
                      {"@context": AS, "id": fan.new_id(), "type": "Like", "actor": fan.uri, "object": mine["uri"]})
    await deliver(moot, remote, fans[0], ann.inbox,
                  {"@context": AS, "id": fans[0].new_id(), "type": "Follow", "actor": fans[0].uri, "object": ann.uri})
    await moot.drain()
    assert smtp.messages == []  # not before the day is over
    status, rows = await moot.api("GET", "/api/v1/notifications", ann_token)
    assert [r["type"] for r in rows] == ["favourite"] * 3  # the follow is off on the web
    moot.use()
    await run_due_jobs(moot.fed, now=datetime.now(timezone.utc) + timedelta(hours=25))
    await moot.drain()
    [digest] = await smtp.wait_for(1)
    assert digest["Subject"] == "4 new notifications"
    text = digest.get_body(("plain",)).get_content()
    assert text.count("liked your post") == 3 and "followed you" in text
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    moot.use()
    await run_due_jobs(moot.fed, now=datetime.now(timezone.utc) + timedelta(hours=50))
    await moot.drain()
    assert len(smtp.messages) == 1  # each notification is mailed once
