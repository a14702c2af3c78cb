"""Starting a conversation on /conversations ("New message"): to a local name or @name@host (WebFinger), as
yourself or as a page you run; a direct message reaches only its recipient; unknown handles, groups, yourself
and empty messages get a clear error with the form kept."""
from __future__ import annotations

import html

from models.actors import Actor
from models.posts import Post
from tests.accounts.helpers import person, signed_in
from tests.conftest import MootInstance
from tests.fakeremote import PUBLIC, FakeRemote
from tests.groups.helpers import make_group


async def test_new_message_to_local_and_remote_people(moot: MootInstance, remote: FakeRemote) -> None:
    ada, _ = await person(moot, "ada", admin=True)
    bob, bob_token = await person(moot, "bob")
    bakery, _ = await moot.page("bakery", owner=ada)
    await make_group(moot, "garden")
    fan = remote.add_actor("fan")
    browser = await signed_in(moot, "ada")
    try:
        page = await browser.get("/conversations")
        assert page.status == 200 and 'action="/conversations/new"' in page.text and "New message" in page.text
        assert '<option value="bakery"' in page.text  # ada runs a page: she may write as it

        # To a local name: a direct message, then its conversation page.
        page = await browser.submit("/conversations", "/conversations/new", {"to": "bob", "body": "Bread tonight?"})
        assert page.status == 200 and "/conversations/" in page.url and "Bread tonight?" in page.text
        post = await Post.get(content__contains="Bread tonight?").prefetch_related("author")
        assert post.visibility == "direct" and post.author.id == ada.id
        status, items = await moot.api("GET", "/api/v1/conversations", bob_token)
        assert status == 200 and any("Bread tonight?" in item["last_status"]["content"] for item in items)

        # To @name@host elsewhere: resolved through WebFinger, delivered to that person only.
        page = await browser.submit("/conversations", "/conversations/new",
                                    {"to": f"@fan@{remote.host}", "body": "Hello from far away"})
        assert page.status == 200 and "Hello from far away" in page.text
        await moot.drain()
        [create] = [r.body for r in remote.received if r.body.get("type") == "Create"]
        assert create["actor"] == ada.uri and create["object"]["to"] == [fan.uri]
        assert PUBLIC not in create["object"]["to"] + create["object"].get("cc", [])
        assert "Hello from far away" in create["object"]["content"]

        # As the page ada runs.
        page = await browser.submit("/conversations", "/conversations/new",
                                    {"to": "@bob", "body": "Your order is ready", "as": "bakery"})
        assert page.status == 200 and "as=bakery" in page.url
        post = await Post.get(content__contains="Your order is ready")
        assert post.author_id == bakery.id and post.visibility == "direct"

        # Clear errors, the form kept.
        for fields, message in (
            ({"to": "nobody", "body": "Hi"}, "Nobody called nobody was found"),
            ({"to": "", "body": "Hi"}, "Write who the message is for"),
            ({"to": "garden", "body": "Hi"}, "A group cannot get messages"),
            ({"to": "ada", "body": "Hi"}, "You cannot send a message to yourself"),
            ({"to": "bob", "body": "  "}, "Write something to send"),
        ):
            page = await browser.submit("/conversations", "/conversations/new", fields)
            assert page.status == 422 and message in html.unescape(page.text), (fields, page.text[-800:])
            assert f'value="{fields["to"]}"' in page.text and "<details class=\"disclosure new-message\" open>" in page.text
        page = await browser.submit("/conversations", "/conversations/new", {"to": "nobody", "body": "Kept text"})
        assert "Kept text</textarea>" in page.text
        assert await Post.filter(content__contains="Hi<").count() == 0
    finally:
        await browser.close()

    # Writing as a page one does not run is a 404.
    other = await signed_in(moot, "bob")
    try:
        page = await other.submit("/conversations", "/conversations/new",
                                  {"to": "ada", "body": "Pretending", "as": "bakery"})
        assert page.status == 404
        assert not await Post.filter(content__contains="Pretending").exists()
    finally:
        await other.close()
    assert await Actor.filter(local_name="bakery").exists()
