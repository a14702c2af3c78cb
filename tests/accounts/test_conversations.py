"""Direct messages: conversations with local and remote people, unread markers, replies; pages' messages."""
from __future__ import annotations

from typing import Any

from models.posts import Post
from tests.accounts.helpers import person, signed_in
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote


def _direct_note(sender: FakeActor, to: Any, text: str) -> dict[str, Any]:
    return {"@context": AS, "id": sender.new_id(), "type": "Create", "actor": sender.uri, "to": [to.uri], "cc": [],
            "object": {"id": sender.new_id("notes"), "type": "Note", "attributedTo": sender.uri, "to": [to.uri],
                       "cc": [], "content": f"<p>{text}</p>", "published": "2026-12-01T10:00:00Z",
                       "tag": [{"type": "Mention", "href": to.uri, "name": f"@{to.username}"}]}}


async def test_conversations_with_local_and_remote_people(moot: MootInstance, remote: FakeRemote) -> None:
    await person(moot, "ada", admin=True)
    bob, _ = await person(moot, "bob")
    _, cleo_token = await person(moot, "cleo")
    await person(moot, "dora")
    fan = remote.add_actor("fan")
    status, first = await moot.api("POST", "/api/v1/statuses", cleo_token,
                                   json={"status": f"@bob@{moot.host} Hello Bob", "visibility": "direct"})
    assert status == 200, first
    psst = _direct_note(fan, bob, "Psst Bob")
    status, _ = await remote.send(fan, bob.inbox, psst)
    assert status == 202
    await moot.drain()
    moot.use()
    remote_post = await Post.get(uri=psst["object"]["id"])
    browser, outsider = await signed_in(moot, "bob"), await signed_in(moot, "dora")
    try:
        page = await browser.get("/conversations")
        assert page.status == 200 and "Hello Bob" in page.text and "Psst Bob" in page.text
        assert page.text.count('<span class="badge accent">unread</span>') == 2
        page = await browser.get(f"/conversations/{first['id']}")
        assert page.status == 200 and "Hello Bob" in page.text and "Psst Bob" not in page.text
        page = await browser.submit(f"/conversations/{first['id']}", f"/conversations/{first['id']}/reply",
                                    {"body": ""})
        assert page.status == 422 and "Write something to send" in page.text
        page = await browser.submit(f"/conversations/{first['id']}", f"/conversations/{first['id']}/reply",
                                    {"body": "Hi Cleo"})
        assert page.status == 200 and "Hi Cleo" in page.text and "Hello Bob" in page.text
        page = await browser.get("/conversations")
        assert page.text.count('<span class="badge accent">unread</span>') == 1  # only the remote one now
        status, mine = await moot.api("GET", "/api/v1/timelines/home", cleo_token)
        assert status == 200 and any("Hi Cleo" in item["content"] for item in mine)
        # A reply to the remote person goes to them only, as a direct message.
        page = await browser.submit(f"/conversations/{remote_post.id}", f"/conversations/{remote_post.id}/reply",
                                    {"body": "Hello fan"})
        assert page.status == 200 and "Hello fan" in page.text
        await moot.drain()
        [create] = [r.body for r in remote.received if r.body.get("type") == "Create"]
        assert create["actor"] == bob.uri and fan.uri in create["object"]["to"] and "Hello fan" in create["object"]["content"]
        assert PUBLIC not in create["object"]["to"] + create["object"].get("cc", [])
        assert create["object"]["inReplyTo"] == psst["object"]["id"]
        # Someone else's conversation is a 404, like a missing one.
        assert (await outsider.get(f"/conversations/{first['id']}")).status == 404
        assert "Hello Bob" not in (await outsider.get("/conversations")).text
    finally:
        await browser.close()
        await outsider.close()


async def test_page_admins_read_and_answer_their_pages_messages(moot: MootInstance, remote: FakeRemote) -> None:
    await person(moot, "ada", admin=True)
    bob, _ = await person(moot, "bob")
    await person(moot, "cleo")
    cider, _ = await moot.page("cider", bob, display_name="Cider house")
    fan = remote.add_actor("fan")
    question = _direct_note(fan, cider, "Open on Sunday?")
    status, _ = await remote.send(fan, cider.inbox, question)
    assert status == 202
    await moot.drain()
    moot.use()
    post = await Post.get(uri=question["object"]["id"])
    browser, other = await signed_in(moot, "bob"), await signed_in(moot, "cleo")
    try:
        assert "Open on Sunday?" not in (await browser.get("/conversations")).text  # the page's, not bob's
        page = await browser.get("/conversations?as=cider")
        assert page.status == 200 and "Open on Sunday?" in page.text and "Messages to Cider house" in page.text
        page = await browser.submit(f"/conversations/{post.id}?as=cider", f"/conversations/{post.id}/reply",
                                    {"body": "Yes, from noon", "as": "cider"})
        assert page.status == 200 and "Yes, from noon" in page.text and page.url.endswith(f"?as=cider#post-{post.id + 1}") \
            or "Yes, from noon" in page.text
        await moot.drain()
        [create] = [r.body for r in remote.received if r.body.get("type") == "Create"]
        assert create["actor"] == cider.uri and fan.uri in create["object"]["to"]
        assert (await other.get("/conversations?as=cider")).status == 404
        assert (await other.get(f"/conversations/{post.id}?as=cider")).status == 404
        assert (await other.get(f"/conversations/{post.id}")).status == 404
    finally:
        await browser.close()
        await other.close()
