"""A Lemmy-shaped user joins a local group, posts, comments, votes, edits and deletes; every member
server gets the group's Announces, including the plain-object Announce Mastodon needs."""
from __future__ import annotations

from models.follows import ACCEPTED, Follow
from models.posts import DISLIKE, LIKE, Interaction, Post
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeRemote
from tests.groups.helpers import announces, join, lemmy_comment, lemmy_page, make_group, plain, wrapped


async def test_lemmy_user_takes_part_in_a_group(moot: MootInstance, remote: FakeRemote, moot_factory) -> None:
    group, owner, token, _ = await make_group(moot)
    # Members on two servers: bea on the Lemmy-like one, and a Mastodon-like follower elsewhere.
    bea = remote.add_actor("bea")
    mastodon = FakeRemote()
    await mastodon.start()
    try:
        carl = mastodon.add_actor("carl")
        await join(remote, bea, group)
        await join(mastodon, carl, group)
        await moot.drain()
        assert await Follow.filter(target=group, state=ACCEPTED).count() == 3  # owner, bea, carl
        (accept,) = [r for r in remote.received if r.body["type"] == "Accept"]
        assert accept.verified and accept.body["actor"] == group.uri

        create = lemmy_page(bea, group)
        status, body = await remote.send(bea, group.inbox, create)
        assert status == 202, body
        await moot.drain()
        post = await Post.get(uri=create["object"]["id"])
        assert post.group_id == group.id and post.name == "Slugs ate my lettuce" and post.type == "Page"

        # The relay: exactly as received, to Public and the followers, once per server, signed by the group.
        for fake in (remote, mastodon):
            (relayed,) = wrapped(fake, group, "Create")
            assert relayed == create
            announce = next(a for a in announces(fake, group) if isinstance(a["object"], dict))
            assert announce["to"] == [PUBLIC] and announce["cc"] == [group.followers_url]
            assert plain(fake, group) == [create["object"]["id"]]
            assert all(r.verified for r in fake.received if r.body.get("type") == "Announce")
            assert len([r for r in fake.received if r.body.get("type") == "Announce"]) == 2
        status, outbox = await moot.get_ap(group.outbox + "?page=1")
        assert [item["type"] for item in outbox["orderedItems"]] == ["Announce", "Announce"]

        comment = lemmy_comment(carl, group, create["object"]["id"])
        status, _ = await mastodon.send(carl, group.inbox, comment)
        assert status == 202
        like = {"@context": AS, "id": bea.new_id("activities/like"), "type": "Like", "actor": bea.uri,
                "object": create["object"]["id"], "audience": group.uri}
        dislike = {"@context": AS, "id": carl.new_id("activities/dislike"), "type": "Dislike", "actor": carl.uri,
                   "object": create["object"]["id"], "audience": group.uri}
        await remote.send(bea, group.inbox, like)
        await mastodon.send(carl, group.inbox, dislike)
        await moot.drain()
        assert (await Post.get(uri=comment["object"]["id"])).in_reply_to_id == post.id
        kinds = sorted(await Interaction.filter(post=post, kind__in=[LIKE, DISLIKE]).values_list("kind", flat=True))
        assert kinds == [DISLIKE, LIKE]
        assert wrapped(remote, group, "Like") == [like] and wrapped(remote, group, "Dislike") == [dislike]

        update = {**create, "id": bea.new_id("activities/update"), "type": "Update",
                  "object": {**create["object"], "content": "<p>Ideas? Anyone?</p>", "updated": "2026-11-20T13:00:00Z"}}
        await remote.send(bea, group.inbox, update)
        delete = {"@context": AS, "id": bea.new_id("activities/delete"), "type": "Delete", "actor": bea.uri,
                  "to": [PUBLIC], "cc": [group.uri], "object": create["object"]["id"], "audience": group.uri}
        await moot.drain()
        assert "Anyone?" in (await Post.get(id=post.id)).content
        await remote.send(bea, group.inbox, delete)
        await moot.drain()
        assert (await Post.get(id=post.id)).deleted_at is not None
        for fake in (remote, mastodon):
            assert wrapped(fake, group, "Update") == [update]
            assert wrapped(fake, group, "Delete") == [delete]
            # Creates of posts and comments also go out as plain Announces of the object; an edit does not
            # (a second boost of the same post), and the deletion undoes the post's boost.
            assert plain(fake, group) == [create["object"]["id"], comment["object"]["id"]]
            (undo,) = [r.body for r in fake.received if r.body.get("type") == "Undo"]
            boost = next(a for a in announces(fake, group) if a["object"] == create["object"]["id"])
            assert undo["actor"] == group.uri and undo["object"]["id"] == boost["id"]
    finally:
        await mastodon.close()
