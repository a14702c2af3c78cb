"""Real-world shapes a group must take without a 500 or a retry loop: `type` lists, language tags longer
than the column, hostile URLs, `summary` as a description, headings, and objects beyond Note and Page
(a Mobilizon event, attributed to its organising group)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from federation.instance_settings import put_setting
from federation.policy.screening import NEW_ACCOUNT_HOURS
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.posts import Post
from models.queues import DONE, InboxItem
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote
from tests.groups.helpers import announces, join, lemmy_page, make_group, plain

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HOSTILE = 'https://evil.example/"><script>alert(1)</script>'


@pytest.fixture
async def mastodon() -> AsyncIterator[FakeRemote]:
    """A Mastodon-shaped member server: it hears the group and nothing else."""
    fake = await FakeRemote().start()
    yield fake
    await fake.close()


async def member_server(moot: MootInstance, mastodon: FakeRemote, group: Actor) -> FakeActor:
    carl = mastodon.add_actor("carl")
    await join(mastodon, carl, group)
    await moot.drain()
    mastodon.received.clear()
    return carl


async def send(moot: MootInstance, remote: FakeRemote, actor: FakeActor, group: Actor, activity: dict[str, Any]) -> None:
    status, body = await remote.send(actor, group.inbox, activity)
    assert status == 202, body
    await moot.drain()


async def processed_cleanly(activity_id: str) -> None:
    """Applied at the first attempt: no exception, no retry."""
    item = await InboxItem.get(activity_id=activity_id)
    assert (item.state, item.outcome, item.attempts, item.last_error) == (DONE, "applied", 0, None)


def lemmy_note(actor: FakeActor, group: Actor, text: str = "<p>Mulch or not?</p>") -> dict[str, Any]:
    """A top-level Note the way Lemmy-like servers address it: to Public, cc and audience the group."""
    note_id = actor.new_id("comment")
    return {
        "@context": [AS, "https://w3id.org/security/v1"], "id": actor.new_id("activities/create"),
        "type": "Create", "actor": actor.uri, "to": [PUBLIC], "cc": [group.uri], "audience": group.uri,
        "object": {"id": note_id, "type": "Note", "attributedTo": actor.uri, "content": text, "to": [PUBLIC],
                   "cc": [group.uri], "audience": group.uri, "published": "2026-11-20T12:00:00Z"},
    }


# --- type lists ---------------------------------------------------------------------------------


async def test_list_typed_follow_and_create_are_admitted_and_relayed_once(
    moot: MootInstance, remote: FakeRemote, mastodon: FakeRemote
) -> None:
    group, _, _, _ = await make_group(moot)
    await member_server(moot, mastodon, group)
    bea = remote.add_actor("bea")
    follow = {"@context": AS, "id": bea.new_id(), "type": ["Follow"], "actor": bea.uri, "object": group.uri}
    await send(moot, remote, bea, group, follow)
    (accept,) = remote.activities("Accept")
    assert accept["object"]["id"] == follow["id"]
    assert await Follow.filter(target=group, follower__uri=bea.uri, state=ACCEPTED).exists()
    await processed_cleanly(follow["id"])

    create = lemmy_note(bea, group)
    create["type"] = ["Create"]
    create["object"]["type"] = ["Note", "http://schema.org/Thing"]
    await send(moot, remote, bea, group, create)  # was a 500 at intake
    await processed_cleanly(create["id"])  # was a TypeError in the relay, retried 8 times
    post = await Post.get(uri=create["object"]["id"])
    assert post.group_id == group.id and post.type == "Note"
    # Exactly once: the Create as received, and the boost Mastodon reads.
    assert [a["object"] for a in announces(mastodon, group) if isinstance(a["object"], dict)] == [create]
    assert plain(mastodon, group) == [create["object"]["id"]]
    assert len(mastodon.received) == 2

    update = {**create, "id": bea.new_id("activities/update"), "type": ["Update"],
              "object": {**create["object"], "content": "<p>Mulch, then.</p>"}}
    await send(moot, remote, bea, group, update)  # intake compared the raw type with a set: a 500
    await processed_cleanly(update["id"])
    assert "Mulch, then." in (await Post.get(id=post.id)).content
    assert [a["object"] for a in announces(mastodon, group) if isinstance(a["object"], dict)] == [create, update]


# --- language tags and URLs ---------------------------------------------------------------------


async def test_overlong_language_tags_are_cut_back_or_dropped_not_retried(
    moot: MootInstance, remote: FakeRemote
) -> None:
    group, _, _, _ = await make_group(moot)
    bea = remote.add_actor("bea")
    garbage = lemmy_page(bea, group, title="Garbage tag")
    garbage["object"]["contentMap"] = {"x" * 83: "<p>Ideas?</p>"}
    long_tag = lemmy_page(bea, group, title="Long tag")
    long_tag["object"]["language"] = {"identifier": "zh-hant-tw-u-co-pinyin", "name": "Chinese"}
    for create in (garbage, long_tag):
        await send(moot, remote, bea, group, create)
        await processed_cleanly(create["id"])
    assert (await Post.get(uri=garbage["object"]["id"])).language is None
    assert (await Post.get(uri=long_tag["object"]["id"])).language == "zh-Hant-TW"


async def test_only_http_urls_are_stored_from_actors_and_posts(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, _, _ = await make_group(moot)
    await put_setting(NEW_ACCOUNT_HOURS, 0)  # the post links out; its author is new here
    bea = remote.add_actor("bea")
    bea.extra = {"url": HOSTILE, "icon": {"type": "Image", "url": '"><script>'},
                 "image": {"type": "Image", "url": "javascript:alert(1)"}}
    create = lemmy_page(bea, group)
    create["object"].update({"url": HOSTILE, "context": HOSTILE, "attachment": [
        {"type": "Link", "href": HOSTILE}, {"type": "Document", "mediaType": "image/png", "url": "https://ok.example/a.png"}]})
    await send(moot, remote, bea, group, create)
    await processed_cleanly(create["id"])
    actor = await Actor.get(uri=bea.uri)
    assert (actor.url, actor.icon_url, actor.image_url) == (None, None, None)
    post = await Post.get(uri=create["object"]["id"])
    assert post.url is None and [a["url"] for a in post.attachments] == ["https://ok.example/a.png"]
    assert "script" not in json.dumps([post.to, post.cc, post.tags, post.attachments])


# --- summary, description and headings ---------------------------------------------------------


async def thread_html(moot: MootInstance, post: Post) -> str:
    async with moot.session.get(f"{moot.base_url}/threads/{post.id}") as response:
        assert response.status == 200
        return await response.text()


async def test_summary_of_an_article_is_its_description_and_of_a_note_a_warning(
    moot: MootInstance, remote: FakeRemote
) -> None:
    group, _, _, _ = await make_group(moot)
    bea = remote.add_actor("bea")
    article = lemmy_page(bea, group, title="Beating slugs", content="<h2>Traps</h2>Beer does not work.")
    article["object"].update({"type": "Article", "summary": "<p>What <em>finally</em> worked<script>x()</script></p>"})
    note = lemmy_note(bea, group, "<p>The ending!</p>")
    note["object"].update({"summary": "<p>Spoilers for <b>the film</b></p>", "sensitive": True})
    for create in (article, note):
        await send(moot, remote, bea, group, create)

    stored = await Post.get(uri=article["object"]["id"])
    assert stored.summary is None and stored.description == "<p>What <em>finally</em> worked</p>"
    page = await thread_html(moot, stored)
    assert '<div class="description"><p>What <em>finally</em> worked</p></div>' in page
    assert "<details>" not in page and "&lt;p&gt;" not in page
    assert "<h2>Traps</h2>Beer does not work." in page  # the heading keeps its break from the text

    warned = await Post.get(uri=note["object"]["id"])
    assert warned.summary == "Spoilers for the film" and warned.description is None
    page = await thread_html(moot, warned)
    assert '<details class="cw"><summary>Spoilers for the film</summary>' in page and "&lt;b&gt;" not in page


# --- Mobilizon events ---------------------------------------------------------------------------


def mobilizon_create_event(hana: FakeActor, organisers: FakeActor, remote: FakeRemote, group: Actor) -> dict[str, Any]:
    """tests/fixtures/mobilizon_create_event.json, moved onto the fake server and addressed to our group."""
    text = (FIXTURES / "mobilizon_create_event.json").read_text(encoding="utf-8")
    for old, new in (("https://mobilizon.example/@hana", hana.uri), ("https://mobilizon.example/@seedlibrary", organisers.uri),
                     ("https://mobilizon.example", remote.base_url), ("https://moot.example/groups/bakers", group.uri)):
        text = text.replace(old, new)
    return json.loads(text)


async def test_mobilizon_group_event_is_admitted_with_the_member_as_author_and_relayed(
    moot: MootInstance, remote: FakeRemote, mastodon: FakeRemote
) -> None:
    group, _, _, _ = await make_group(moot, "bakers")
    await member_server(moot, mastodon, group)
    await put_setting(NEW_ACCOUNT_HOURS, 0)  # the event links out; its organiser is new here
    hana, organisers = remote.add_actor("hana"), remote.add_actor("seedlibrary", "Group")
    create = mobilizon_create_event(hana, organisers, remote, group)
    assert create["object"]["attributedTo"] == organisers.uri != create["actor"]
    await send(moot, remote, hana, group, create)  # the origin check refused it with a 403
    await processed_cleanly(create["id"])

    event = await Post.get(uri=create["object"]["id"]).prefetch_related("author")
    assert (event.type, event.name, event.group_id, event.author.uri) == ("Event", "Spring seed swap", group.id, hana.uri)
    assert event.url == create["object"]["url"] and event.language == "fr"
    assert "How to save seeds" in event.content
    assert [(a["type"], a["name"]) for a in event.attachments] == [("Document", "Banner")]
    assert [a["object"] for a in announces(mastodon, group) if isinstance(a["object"], dict)] == [create]
    assert plain(mastodon, group) == [event.uri]


async def test_group_attribution_needs_a_group_on_the_actors_own_server(
    moot: MootInstance, remote: FakeRemote, mastodon: FakeRemote
) -> None:
    group, _, _, _ = await make_group(moot, "bakers")
    await put_setting(NEW_ACCOUNT_HOURS, 0)
    hana, dora = remote.add_actor("hana"), remote.add_actor("dora")
    # Attributed to another Person on the same server: not a group's object, so refused by the worker.
    create = mobilizon_create_event(hana, dora, remote, group)
    await send(moot, remote, hana, group, create)
    item = await InboxItem.get(activity_id=create["id"])
    assert item.outcome == "rejected" and "attributed to" in (item.last_error or "")
    assert not await Post.filter(uri=create["object"]["id"]).exists()
    # Attributed to a group on another server: refused at the door.
    elsewhere = mastodon.add_actor("seedlibrary", "Group")
    create = mobilizon_create_event(hana, elsewhere, remote, group)
    create["object"]["id"] += "-2"
    create["id"] = create["object"]["id"] + "/activity"
    status, body = await remote.send(hana, group.inbox, create)
    assert status == 403 and "attributed to" in body["error"]
