"""The audience rules (federation/audience.py), one privacy hole at a time: each test failed before the audience
module existed."""
from __future__ import annotations

from models.posts import Post
from tests.fakeremote import AS, PUBLIC, FakeRemote
from tests.privacy.test_leak_suite import fetch
from tests.privacy.world import CANARY, Viewer, World


def canary_post(world: World, text: str) -> Post:
    return next(post for post in world.canary_posts if f"{CANARY}-{text}" in post.content)


ANONYMOUS = Viewer("anonymous")


async def test_thread_api_shows_narrow_replies_only_to_their_audience(world: World) -> None:
    """Hole 1: direct and followers-only replies were readable anonymously through the thread API."""
    reply = canary_post(world, "followers-reply")
    root = reply.in_reply_to_id
    path = f"/api/moot/v1/posts/{root}/thread"
    status, body = await fetch(world.moot, ANONYMOUS, path, "application/json")
    assert status == 200 and "A public hello" in body and CANARY not in body
    # finn wrote it, addressed to his followers and (as Mastodon does) to dora, whose post it answers.
    for name, sees in (("finn", True), ("dora", True), ("mia", False)):
        status, body = await fetch(world.moot, world.insiders[name], path, "application/json")
        assert status == 200 and (f"{CANARY}-followers-reply" in body) is sees, name
    direct = canary_post(world, "direct-message")
    for name in ("rita", "dora"):
        status, body = await fetch(world.moot, world.insiders[name], f"/api/moot/v1/posts/{direct.id}/thread",
                                   "application/json")
        assert status == 200 and f"{CANARY}-direct-reply" in body, name
    status, _ = await fetch(world.moot, world.insiders["finn"], f"/api/moot/v1/posts/{direct.id}/thread",
                            "application/json")
    assert status == 404


async def test_a_reply_from_outside_never_joins_a_private_group(
    world: World, remote: FakeRemote, outsider: FakeRemote
) -> None:
    """Hole 2: a non-member's reply to a private group's post, resolved by a local account, was put into the group,
    and its Update was then relayed to every member."""
    moot = world.moot
    target = canary_post(world, "group-post")
    eve = outsider.add_actor("eve")
    note = {"@context": AS, "id": eve.new_id("notes"), "type": "Note", "attributedTo": eve.uri, "to": [PUBLIC],
            "inReplyTo": target.uri, "content": "<p>Buy cheap watches</p>", "published": "2026-11-30T12:00:00Z"}
    outsider.publish(note)
    status, found = await moot.api("GET", f"/api/v2/search?q={note['id']}&resolve=true",
                                   world.insiders["olga"].token)
    assert status == 200 and [s["uri"] for s in found["statuses"]] == [note["id"]]
    moot.use()
    stored = await Post.get(uri=note["id"])
    assert stored.group_id is None and stored.audience_group_id is None
    # Members do not see it in the group's thread.
    status, body = await fetch(moot, world.insiders["mia"], f"/api/moot/v1/posts/{target.id}/thread",
                               "application/json")
    assert status == 200 and "cheap watches" not in body
    # Its Update reaches the group's inbox: the group relays nothing to its members' servers.
    before = len(remote.received)
    update = {"@context": AS, "id": eve.new_id(), "type": "Update", "actor": eve.uri, "to": [PUBLIC],
              "cc": [world.group.uri], "object": {**note, "content": "<p>Now with a link</p>", "cc": [world.group.uri]}}
    status, _ = await outsider.send(eve, world.group.inbox, update)
    assert status == 202
    await moot.drain()
    assert remote.received[before:] == []


async def test_a_private_groups_post_addressed_to_public_stays_private(world: World) -> None:
    """Hole 3: a member's post into a private group addressed to Public showed in the status API, on tag pages
    and in trending tags."""
    post = canary_post(world, "remote-public")
    assert post.visibility == "private" and post.group_id == world.group.id
    for viewer in (ANONYMOUS, world.outsiders[1]):
        status, _ = await fetch(world.moot, viewer, f"/api/v1/statuses/{post.id}", "application/json")
        assert status == 404
        status, body = await fetch(world.moot, viewer, "/tags/kanarietag", "text/html")
        assert status == 200 and CANARY not in body
        status, body = await fetch(world.moot, viewer, "/explore", "text/html")
        assert status == 200 and "kanarietag" not in body  # not trending: no public post uses it
    status, _ = await fetch(world.moot, world.insiders["mia"], f"/api/v1/statuses/{post.id}", "application/json")
    assert status == 200


async def test_the_modlog_of_a_private_group_is_for_its_members(world: World) -> None:
    """Hole 4: the public modlog showed a private group's moderation, and its members got 403."""
    status, body = await fetch(world.moot, ANONYMOUS, "/api/moot/v1/modlog", "application/json")
    assert status == 200 and CANARY not in body
    for viewer in (ANONYMOUS, world.outsiders[1], world.outsiders[3]):
        status, body = await fetch(world.moot, viewer, "/api/moot/v1/modlog?group_id=vault", "application/json")
        assert status == 404 and CANARY not in body
    status, body = await fetch(world.moot, world.insiders["mia"], "/api/moot/v1/modlog?group_id=vault",
                               "application/json")
    assert status == 200 and f"{CANARY}-removal-reason" in body and f"{CANARY}-ban-reason" in body


async def test_followers_and_recipients_read_what_is_addressed_to_them(world: World) -> None:
    """Hole 5: followers-only posts were shown only to their author, and direct messages to nobody else."""
    followers_only = canary_post(world, "followers-only")
    direct = canary_post(world, "direct-message")
    cases = [(followers_only, "finn", 200), (followers_only, "mia", 404), (followers_only, "dora", 200),
             (direct, "rita", 200), (direct, "finn", 404), (direct, "dora", 200)]
    for post, name, expected in cases:
        status, _ = await fetch(world.moot, world.insiders[name], f"/api/v1/statuses/{post.id}", "application/json")
        assert status == expected, (name, post.content)
        status, page = await fetch(world.moot, world.insiders[name], f"/threads/{post.id}", "text/html")
        assert status == expected, (name, post.content)
        if expected == 200:
            assert CANARY in page


async def test_an_edit_does_not_widen_a_private_groups_post(world: World, remote: FakeRemote) -> None:
    """An Update that re-addresses a private group's post to Public changes its text, not its audience."""
    post = canary_post(world, "remote-public")
    rob = remote.actors["rob"]
    update = {"@context": AS, "id": rob.new_id(), "type": "Update", "actor": rob.uri, "to": [PUBLIC],
              "object": {"id": post.uri, "type": "Note", "attributedTo": rob.uri, "to": [PUBLIC], "cc": [],
                         "content": f"<p>{CANARY}-edited</p>", "updated": "2026-11-30T11:00:00Z"}}
    status, _ = await remote.send(rob, world.group.inbox, update)
    assert status == 202
    await world.moot.drain()
    world.moot.use()
    stored = await Post.get(id=post.id)
    assert f"{CANARY}-edited" in stored.content and stored.visibility == "private"
    status, _ = await fetch(world.moot, ANONYMOUS, f"/api/v1/statuses/{post.id}", "application/json")
    assert status == 404


async def test_only_public_posts_can_be_boosted(world: World, outsider: FakeRemote) -> None:
    """A boost shows a post to the booster's followers: a private group's post or a direct message is refused."""
    from models.posts import ANNOUNCE, Interaction

    nosy = outsider.actors["nosy"]
    for text in ("group-post", "direct-message"):
        post = canary_post(world, text)
        boost = {"@context": AS, "id": nosy.new_id(), "type": "Announce", "actor": nosy.uri, "to": [PUBLIC],
                 "object": post.uri}
        status, _ = await outsider.send(nosy, f"{world.moot.base_url}/inbox", boost)
        assert status == 202
    await world.moot.drain()
    world.moot.use()
    assert not await Interaction.filter(kind=ANNOUNCE, actor__uri=nosy.uri).exists()
