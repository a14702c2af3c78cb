"""Personal blocks and mutes through Mastodon's client API, on a real server with a fake remote one:
the Block and Undo{Block} JSON on the wire, follows ended both ways, a blocked account's Follow rejected,
relationships, the lists with Link headers, an inbound Block (blocked_by), and a timed mute's expiry."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from models.actors import Actor
from models.follows import Follow
from models.personal_blocks import PersonalBlock, PersonalMute
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import activity, received_at
from tests.notifications.helpers import deliver, note


async def relationship(moot: MootInstance, token: str, target: Actor) -> dict:
    code, body = await moot.api("GET", f"/api/v1/accounts/relationships?id[]={target.id}", token)
    assert code == 200, body
    (rel,) = body
    return rel


async def test_blocking_a_remote_account_sends_block_ends_follows_and_rejects_its_follows(
    moot: MootInstance, remote: FakeRemote
) -> None:
    ann, ann_token = await moot.user("ann")
    carol = remote.add_actor("carol")
    # carol follows ann (accepted at once), and ann follows carol back.
    await deliver(moot, remote, carol, ann.inbox, activity(carol, "Follow", ann.uri))
    carol_row = await Actor.get(uri=carol.uri)
    code, rel = await moot.api("POST", f"/api/v1/accounts/{carol_row.id}/follow", ann_token)
    assert code == 200 and rel["requested"] is True
    await moot.drain()
    (follow,) = received_at(remote, "/users/carol/inbox", "Follow")

    code, rel = await moot.api("POST", f"/api/v1/accounts/{carol_row.id}/block", ann_token)
    assert code == 200, rel
    assert rel["blocking"] is True and rel["following"] is False and rel["requested"] is False
    assert rel["followed_by"] is False and rel["blocked_by"] is False and rel["muting"] is False
    assert not await Follow.filter(follower_id__in=[ann.id, carol_row.id]).exists()
    await moot.drain()
    (block,) = received_at(remote, "/users/carol/inbox", "Block")
    assert block["actor"] == ann.uri and block["object"] == carol.uri and block["id"].startswith(moot.base_url)
    assert "target" not in block
    (undo_follow,) = received_at(remote, "/users/carol/inbox", "Undo")
    assert undo_follow["object"]["type"] == "Follow" and undo_follow["object"]["id"] == follow["id"]
    # Blocking twice changes nothing and sends nothing more.
    code, _ = await moot.api("POST", f"/api/v1/accounts/{carol_row.id}/block", ann_token)
    await moot.drain()
    assert code == 200 and len(received_at(remote, "/users/carol/inbox", "Block")) == 1

    # carol tries to follow again: refused with Reject{Follow}, no follow row.
    again = activity(carol, "Follow", ann.uri)
    await deliver(moot, remote, carol, ann.inbox, again)
    (reject,) = received_at(remote, "/users/carol/inbox", "Reject")
    assert reject["actor"] == ann.uri and reject["object"]["id"] == again["id"]
    assert not await Follow.filter(follower_id=carol_row.id).exists()

    code, listed = await moot.api("GET", "/api/v1/blocks", ann_token)
    assert code == 200 and [a["id"] for a in listed] == [str(carol_row.id)]
    assert listed[0]["acct"] == f"carol@{remote.host}"

    code, rel = await moot.api("POST", f"/api/v1/accounts/{carol_row.id}/unblock", ann_token)
    assert code == 200 and rel["blocking"] is False
    await moot.drain()
    undos = [u for u in received_at(remote, "/users/carol/inbox", "Undo") if u["object"]["type"] == "Block"]
    assert len(undos) == 1
    assert undos[0]["actor"] == ann.uri and undos[0]["object"]["id"] == block["id"]
    assert undos[0]["object"]["actor"] == ann.uri and undos[0]["object"]["object"] == carol.uri
    code, listed = await moot.api("GET", "/api/v1/blocks", ann_token)
    assert listed == []
    # Unblocked, carol's follow is accepted again.
    await deliver(moot, remote, carol, ann.inbox, activity(carol, "Follow", ann.uri))
    assert len(received_at(remote, "/users/carol/inbox", "Accept")) == 2


async def test_inbound_block_and_undo_set_blocked_by_and_hide_the_blocker(
    moot: MootInstance, remote: FakeRemote
) -> None:
    ann, ann_token = await moot.user("ann")
    dave = remote.add_actor("dave")
    await deliver(moot, remote, dave, ann.inbox, note(dave, "Hello from dave", mention=ann))
    dave_row = await Actor.get(uri=dave.uri)
    code, public = await moot.api("GET", "/api/v1/timelines/public?remote=true", ann_token)
    assert [s["account"]["id"] for s in public] == [str(dave_row.id)]
    code, _ = await moot.api("POST", f"/api/v1/accounts/{dave_row.id}/follow", ann_token)
    await moot.drain()

    block = activity(dave, "Block", ann.uri)
    await deliver(moot, remote, dave, ann.inbox, block)
    rel = await relationship(moot, ann_token, dave_row)
    assert rel["blocked_by"] is True and rel["blocking"] is False and rel["requested"] is False
    code, public = await moot.api("GET", "/api/v1/timelines/public?remote=true", ann_token)
    assert public == []
    # Only dave may undo dave's block: an Undo from someone else changes nothing.
    eve = remote.add_actor("eve")
    await deliver(moot, remote, eve, ann.inbox, activity(eve, "Undo", {**block, "actor": eve.uri}))
    assert (await relationship(moot, ann_token, dave_row))["blocked_by"] is True
    await deliver(moot, remote, dave, ann.inbox, activity(dave, "Undo", block))
    assert (await relationship(moot, ann_token, dave_row))["blocked_by"] is False


async def test_local_block_mute_notifications_and_timed_mute_expiry(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    cid, cid_token = await moot.user("cid")
    code, _ = await moot.api("POST", f"/api/v1/accounts/{ann.id}/follow", bob_token)
    code, _ = await moot.api("POST", f"/api/v1/accounts/{bob.id}/follow", ann_token)
    ann_post = (await moot.api("POST", "/api/v1/statuses", ann_token, json={"status": "Ann writes"}))[1]["id"]

    # --- block a local person: follows end both ways, both sides see it ---
    code, rel = await moot.api("POST", f"/api/v1/accounts/{bob.id}/block", ann_token)
    assert code == 200 and rel["blocking"] and not rel["following"] and not rel["followed_by"]
    assert not await Follow.filter(follower_id__in=[ann.id, bob.id]).exists()
    assert (await relationship(moot, bob_token, ann))["blocked_by"] is True
    code, _ = await moot.api("POST", f"/api/v1/accounts/{ann.id}/follow", bob_token)
    assert code == 403 and not await Follow.filter(follower_id=bob.id, target_id=ann.id).exists()
    # The blocker cannot follow either, until she unblocks (as on Mastodon).
    code, _ = await moot.api("POST", f"/api/v1/accounts/{bob.id}/follow", ann_token)
    assert code == 403 and not await Follow.filter(follower_id=ann.id, target_id=bob.id).exists()
    await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "Bob shouts"})
    await moot.api("POST", f"/api/v1/statuses/{ann_post}/favourite", bob_token)
    await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "@ann hi", "visibility": "public"})
    code, notes = await moot.api("GET", "/api/v1/notifications", ann_token)
    assert [n for n in notes if n["account"]["id"] == str(bob.id)] == []
    code, public = await moot.api("GET", "/api/v1/timelines/public", ann_token)
    assert all(s["account"]["id"] != str(bob.id) for s in public) and public
    code, public = await moot.api("GET", "/api/v1/timelines/public", cid_token)
    assert any(s["account"]["id"] == str(bob.id) for s in public)  # only ann's view changes
    code, found = await moot.api("GET", "/api/v2/search?q=shouts&type=statuses", ann_token)
    assert found["statuses"] == []
    code, bad = await moot.api("POST", f"/api/v1/accounts/{ann.id}/block", ann_token)
    assert code == 422 and "yourself" in bad["error"]

    # --- mute cid for a minute, notifications still on... then off ---
    await moot.api("POST", "/api/v1/statuses", cid_token, json={"status": "Cid muses"})
    code, rel = await moot.api("POST", f"/api/v1/accounts/{cid.id}/mute", ann_token,
                               json={"notifications": False, "duration": 60})
    assert code == 200 and rel["muting"] is True and rel["muting_notifications"] is False
    code, muted = await moot.api("GET", "/api/v1/mutes", ann_token)
    assert [a["id"] for a in muted] == [str(cid.id)] and muted[0]["mute_expires_at"].endswith("Z")
    code, public = await moot.api("GET", "/api/v1/timelines/public", ann_token)
    assert all(s["account"]["id"] != str(cid.id) for s in public)
    await moot.api("POST", f"/api/v1/statuses/{ann_post}/favourite", cid_token)
    code, notes = await moot.api("GET", "/api/v1/notifications", ann_token)
    assert [n["type"] for n in notes if n["account"]["id"] == str(cid.id)] == ["favourite"]  # notifications on
    code, rel = await moot.api("POST", f"/api/v1/accounts/{cid.id}/mute", ann_token, data={"duration": "60"})
    assert rel["muting_notifications"] is True  # the default, as Mastodon
    code, notes = await moot.api("GET", "/api/v1/notifications", ann_token)
    assert [n for n in notes if n["account"]["id"] == str(cid.id)] == []  # existing ones hidden too
    code, bad = await moot.api("POST", f"/api/v1/accounts/{cid.id}/mute", ann_token, json={"duration": "soon"})
    assert code == 422

    # The minute passes: the mute stops applying by itself, with no job run.
    await PersonalMute.filter(actor_id=ann.id).update(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    assert (await relationship(moot, ann_token, cid))["muting"] is False
    code, public = await moot.api("GET", "/api/v1/timelines/public", ann_token)
    assert any(s["account"]["id"] == str(cid.id) for s in public)
    code, muted = await moot.api("GET", "/api/v1/mutes", ann_token)
    assert muted == []
    code, rel = await moot.api("POST", f"/api/v1/accounts/{bob.id}/unblock", ann_token)
    assert rel["blocking"] is False and not await PersonalBlock.filter(actor_id=ann.id).exists()
    code, public = await moot.api("GET", "/api/v1/timelines/public", ann_token)
    assert any(s["account"]["id"] == str(bob.id) for s in public)
    code, _ = await moot.api("GET", "/api/v1/blocks")
    assert code == 401
