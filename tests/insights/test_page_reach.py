"""Page-post reach recorded for a whole fan-out pass at once: several pages' posts, a person's post and a post
whose stats the rollups made already, all expanded in one pass."""
from __future__ import annotations

from datetime import datetime, timezone

from federation import actions
from federation.delivery import expand_fanouts
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.insights import PostStats
from models.queues import FanOut
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote


async def follow_from(remote: FakeRemote, name: str, target: Actor, shared: bool = True,
                      deleted: bool = False) -> None:
    fake = remote.add_actor(name)
    doc = fake.document()
    follower = await Actor.create(
        uri=fake.uri, type="Person", username=fake.name, domain=remote.host, inbox=fake.inbox,
        shared_inbox=doc["endpoints"]["sharedInbox"] if shared else None, public_key_id=fake.key_id,
        public_key_pem=fake.public_pem, deleted_at=datetime.now(timezone.utc) if deleted else None)
    await Follow.create(follower=follower, target=target, state=ACCEPTED)


async def test_one_pass_records_each_page_posts_reach(moot: MootInstance, remote: FakeRemote) -> None:
    other = await FakeRemote().start()
    try:
        owner, owner_token = await moot.user("owner")
        news, news_token = await moot.page("news", owner)
        shop, shop_token = await moot.page("shop", owner)
        for name in ("alice", "bob", "carol"):  # one server, one shared inbox
            await follow_from(remote, name, news)
        lou, _ = await moot.user("lou")
        await actions.follow(moot.fed, lou, news)
        await follow_from(remote, "dave", shop)
        await follow_from(other, "erin", shop, shared=False)  # her own inbox
        await follow_from(other, "frank", shop, shared=False)
        await follow_from(other, "gone", shop, deleted=True)  # a deleted account is reached by nothing
        await follow_from(remote, "heidi", owner)
        await moot.drain()

        posted = {}
        for name, token in (("news", news_token), ("shop", shop_token), ("owner", owner_token), ("shop2", shop_token)):
            status, body = await moot.api("POST", "/api/v1/statuses", token, json={"status": f"from {name}"})
            assert status == 200, body
            posted[name] = int(body["id"])
        # The rollups counted shop2 already (a row with no reach yet): the pass updates it.
        await PostStats.create(post_id=posted["shop2"], page_id=shop.id, published=datetime.now(timezone.utc),
                               likes=4)
        assert await FanOut.filter(state="pending").count() == 4
        assert await expand_fanouts(moot.fed) == 4  # one pass

        stats = {row.post_id: row for row in await PostStats.all()}
        assert set(stats) == {posted["news"], posted["shop"], posted["shop2"]}  # a person's post has none
        assert (stats[posted["news"]].servers, stats[posted["news"]].followers_reached) == (1, 4)
        assert stats[posted["news"]].page_id == news.id
        for key in ("shop", "shop2"):
            assert (stats[posted[key]].servers, stats[posted[key]].followers_reached) == (2, 3), key
            assert stats[posted[key]].page_id == shop.id
        assert stats[posted["shop2"]].likes == 4
    finally:
        await other.close()
