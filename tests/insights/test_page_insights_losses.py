"""Every way a page loses a follower is counted, with its reason: Undo, removal by the page, Block, 410 Gone,
the account deleted, and a suspended domain or account. Hand-counted: one follower lost each way."""
from __future__ import annotations

from typing import Any

from federation import actions
from federation.local_actors import create_token
from federation.policy.admin import set_actor_policy, set_domain_policy
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.insights import FOLLOWED, UNFOLLOWED, FollowEvent
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote


def follow_activity(actor: FakeActor, target_uri: str) -> dict[str, Any]:
    return {"@context": AS, "id": actor.new_id(), "type": "Follow", "actor": actor.uri, "object": target_uri}


async def lost(page: Actor) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reason in await FollowEvent.filter(target=page, kind=UNFOLLOWED).values_list("reason", flat=True):
        counts[reason] = counts.get(reason, 0) + 1
    return counts


async def test_every_way_of_losing_a_follower_counts(moot: MootInstance, remote: FakeRemote) -> None:
    owner, _ = await moot.user("owner")
    page, page_token = await moot.page("news", owner)
    names = ("undoer", "removed", "blocker", "deleted", "suspended", "gone")
    fakes = {name: remote.add_actor(name) for name in names}
    for fake in fakes.values():
        status, body = await remote.send(fake, page.inbox, follow_activity(fake, page.uri))
        assert status == 202, body
    await moot.drain()
    # Two followers on a server this instance will suspend (stored as known remote actors).
    doomed = [await Actor.create(uri=f"https://doomed.example/users/{n}", type="Person", username=n,
                                 domain="doomed.example", inbox=f"https://doomed.example/users/{n}/inbox",
                                 is_local=False) for n in ("d1", "d2")]
    for actor in doomed:
        await Follow.create(follower=actor, target=page, state=ACCEPTED)
        await FollowEvent.create(target=page, follower_uri=actor.uri, kind=FOLLOWED)
    assert await Follow.filter(target=page, state=ACCEPTED).count() == 8
    assert await FollowEvent.filter(target=page, kind=FOLLOWED).count() == 8
    assert await lost(page) == {}

    # 1. Undo{Follow} from the follower.
    undoer = fakes["undoer"]
    follow_id = next(a["object"]["id"] for a in remote.activities("Accept") if a["object"]["actor"] == undoer.uri)
    undo = {"@context": AS, "id": f"{undoer.uri}#undo", "type": "Undo", "actor": undoer.uri,
            "object": {"id": follow_id, "type": "Follow", "actor": undoer.uri, "object": page.uri}}
    assert (await remote.send(undoer, page.inbox, undo))[0] == 202
    await moot.drain()
    assert await lost(page) == {"undo": 1}

    # 2. The page removes a follower (a Reject{Follow} goes to them).
    removed = await Follow.get(target=page, follower__uri=fakes["removed"].uri)
    await actions.reject_follow(moot.fed, removed)
    await moot.drain()
    assert await lost(page) == {"undo": 1, "removed": 1}
    assert any(a["type"] == "Reject" for a in remote.activities("Reject"))

    # 3. A Block of the page by a follower (person to person, as Mastodon sends it).
    blocker = fakes["blocker"]
    block = {"@context": AS, "id": f"{blocker.uri}#block", "type": "Block", "actor": blocker.uri, "object": page.uri}
    assert (await remote.send(blocker, f"{moot.base_url}/inbox", block))[0] == 202
    await moot.drain()
    assert await lost(page) == {"undo": 1, "removed": 1, "block": 1}

    # 4. The follower's account is deleted.
    deleted = fakes["deleted"]
    delete = {"@context": AS, "id": f"{deleted.uri}#delete", "type": "Delete", "actor": deleted.uri,
              "to": [PUBLIC], "object": deleted.uri}
    assert (await remote.send(deleted, f"{moot.base_url}/inbox", delete))[0] == 202
    await moot.drain()
    assert await lost(page) == {"undo": 1, "removed": 1, "block": 1, "deleted": 1}

    # 5. An admin suspends one account, then a whole domain (each follower there is a loss).
    admin, _ = await moot.user("siteadmin", is_admin=True)
    suspended = await Actor.get(uri=fakes["suspended"].uri)
    await set_actor_policy(moot.fed, admin, suspended, "suspend", reason="spam")
    assert await lost(page) == {"undo": 1, "removed": 1, "block": 1, "deleted": 1, "suspended": 1}
    await set_domain_policy(moot.fed, admin, "doomed.example", "suspend", public_reason="spam")
    assert await lost(page) == {"undo": 1, "removed": 1, "block": 1, "deleted": 1, "suspended": 3}

    # 6. 410 Gone when delivering to the follower's own inbox.
    await Actor.filter(uri=fakes["gone"].uri).update(shared_inbox=None)
    remote.inbox_status = 410
    await moot.api("POST", "/api/v1/statuses", page_token, json={"status": "anyone there?"})
    await moot.drain()
    assert await lost(page) == {"undo": 1, "removed": 1, "block": 1, "deleted": 1, "suspended": 3, "gone": 1}
    assert await Follow.filter(target=page).count() == 0

    # The page's figures say the same: 8 gained and 8 lost today, by reason.
    owner_token = await create_token(owner)
    status, data = await moot.api("GET", "/api/moot/v1/pages/news/insights?days=7", owner_token)
    assert status == 200, data
    assert data["followers"] == 0
    assert data["figures"]["gained"]["value"] == 8 and data["figures"]["lost"]["value"] == 8
    assert data["daily"][-1]["gained"] == 8 and data["daily"][-1]["lost"] == 8
    assert data["lost_reasons"] == {"undo": 1, "removed": 1, "block": 1, "deleted": 1, "suspended": 3, "gone": 1}


async def test_a_block_from_a_stranger_and_a_pending_request_lose_nothing(moot: MootInstance, remote: FakeRemote) -> None:
    owner, _ = await moot.user("owner")
    page, _ = await moot.page("shop", owner, manually_approves=True)
    asking, stranger = remote.add_actor("asking"), remote.add_actor("stranger")
    await remote.send(asking, page.inbox, follow_activity(asking, page.uri))
    await moot.drain()
    block = {"@context": AS, "id": f"{stranger.uri}#block", "type": "Block", "actor": stranger.uri, "object": page.uri}
    await remote.send(stranger, f"{moot.base_url}/inbox", block)
    # A pending request refused is not a lost follower: it never was one.
    await actions.reject_follow(moot.fed, await Follow.get(target=page))
    await moot.drain()
    assert await FollowEvent.filter(target=page).count() == 0
