"""Mastodon's streaming API on real servers: WebSocket and server-sent events, the user, public and hashtag
streams, notifications, privacy (nothing a subscriber may not see), and two processes on one PostgreSQL
database (the NOTIFY wake-up)."""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest

from server import keys
from tests.community.test_search import post_in
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeRemote
from tests.groups.helpers import make_group

WAIT = 5.0


async def next_event(socket: aiohttp.ClientWebSocketResponse, timeout: float = WAIT) -> dict[str, Any]:
    message = await socket.receive_json(timeout=timeout)
    if "payload" in message and isinstance(message["payload"], str):
        message["payload"] = json.loads(message["payload"])
    return message


async def no_event(socket: aiohttp.ClientWebSocketResponse, seconds: float = 1.0) -> None:
    with pytest.raises(asyncio.TimeoutError):
        await socket.receive_json(timeout=seconds)


async def test_user_stream_gets_home_posts_and_notifications(moot: MootInstance, remote: FakeRemote) -> None:
    ann, ann_token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    cy, cy_token = await moot.user("cy")
    await moot.api("POST", f"/api/v1/accounts/{bob.id}/follow", ann_token)
    async with moot.session.ws_connect(f"{moot.base_url}/api/v1/streaming?stream=user&access_token={ann_token}") as ws:
        await asyncio.sleep(0.3)  # subscribed
        code, posted = await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "Bob's beans"})
        event = await next_event(ws)
        assert event["stream"] == ["user"] and event["event"] == "update"
        assert event["payload"]["id"] == posted["id"] and event["payload"]["content"] == posted["content"]
        # cy is not followed: nothing comes.
        await moot.api("POST", "/api/v1/statuses", cy_token, json={"status": "Cy's carrots"})
        await no_event(ws, 0.8)

        # A remote person mentions ann: the notification arrives on her stream.
        alice = remote.add_actor("alice")
        note_id = alice.new_id("statuses")
        mention = {"@context": AS, "id": f"{note_id}/activity", "type": "Create", "actor": alice.uri,
                   "to": [PUBLIC], "cc": [ann.uri],
                   "object": {"id": note_id, "type": "Note", "attributedTo": alice.uri, "to": [PUBLIC],
                              "cc": [ann.uri], "content": "<p>@ann hello</p>",
                              "tag": [{"type": "Mention", "href": ann.uri, "name": "@ann"}]}}
        assert (await remote.send(alice, ann.inbox, mention))[0] == 202
        processed = time.monotonic()
        await moot.drain()
        seen = []
        while not any(e["event"] == "notification" for e in seen):
            seen.append(await next_event(ws))
        notification = next(e for e in seen if e["event"] == "notification")
        assert time.monotonic() - processed < 1.5
        assert notification["payload"]["type"] == "mention"
        assert notification["payload"]["account"]["acct"].startswith("alice@")
        assert notification["payload"]["status"]["uri"] == note_id


async def test_public_streams_never_carry_what_is_not_public(moot: MootInstance) -> None:
    vault, _, vault_token, _ = await make_group(moot, "vault", private=True)
    garden, _, garden_token, _ = await make_group(moot, "garden")
    bob, bob_token = await moot.user("bob")
    async with moot.session.ws_connect(f"{moot.base_url}/api/v1/streaming?stream=public:local") as ws:
        await ws.send_json({"type": "subscribe", "stream": "hashtag", "tag": "Seeds"})
        await asyncio.sleep(0.3)
        await post_in(moot, vault, vault_token, "Kanarie", "Members only")
        await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "Kanarie", "visibility": "private"})
        await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "Kanarie", "visibility": "unlisted"})
        await no_event(ws, 1.0)
        opened = await post_in(moot, garden, garden_token, "Open day", "All welcome #seeds")
        events = [await next_event(ws), await next_event(ws)]
        assert sorted(tuple(e["stream"]) for e in events) == [("hashtag", "seeds"), ("public:local",)]
        assert {e["payload"]["id"] for e in events} == {str(opened)}
        # Errors are answered on the socket, in Mastodon's shape.
        await ws.send_json({"type": "subscribe", "stream": "user"})
        assert (await ws.receive_json(timeout=WAIT))["error"] == "Missing access token"
        await ws.send_json({"type": "subscribe", "stream": "nonsense"})
        assert "Unknown stream" in (await ws.receive_json(timeout=WAIT))["error"]


async def test_server_sent_events_and_refusals(moot: MootInstance) -> None:
    bob, bob_token = await moot.user("bob")
    async with moot.session.get(f"{moot.base_url}/api/v1/streaming/health") as response:
        assert response.status == 200 and await response.text() == "OK"
    async with moot.session.get(f"{moot.base_url}/api/v1/streaming/user") as response:
        assert response.status == 401
    async with moot.session.get(f"{moot.base_url}/api/v1/streaming/public?access_token=wrong") as response:
        assert response.status == 401
    async with moot.session.get(f"{moot.base_url}/api/v1/streaming/public/local") as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/event-stream")
        await response.content.readuntil(b"\n\n")  # the opening comment: subscribed
        code, posted = await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "Fresh bread"})
        event = await asyncio.wait_for(response.content.readuntil(b"\n\n"), WAIT)
        lines = event.decode().splitlines()
        assert lines[0] == "event: update"
        assert json.loads(lines[1].removeprefix("data: "))["id"] == posted["id"]


async def test_two_processes_on_one_postgresql_database(moot_factory, engine: str) -> None:
    """A notification stored by one process reaches a client of the other within a second (NOTIFY)."""
    if engine != "postgres":
        pytest.skip("several processes share one database on PostgreSQL only")
    first = await moot_factory()
    ann, ann_token = await first.user("ann")
    bob, bob_token = await first.user("bob")
    second = await moot_factory(database_url=first.app[keys.SETTINGS].database_url)
    async with first.session.ws_connect(
            f"{first.base_url}/api/v1/streaming?stream=user:notification&access_token={ann_token}") as ws:
        await asyncio.sleep(0.3)
        second.use()
        began = time.monotonic()
        code, body = await second.api("POST", f"/api/v1/accounts/{ann.id}/follow", bob_token)
        assert code == 200, body
        event = await next_event(ws, timeout=WAIT)
        assert time.monotonic() - began < 1.0
        assert event["event"] == "notification" and event["payload"]["type"] == "follow"


async def test_a_token_without_read_scopes_cannot_listen(moot: MootInstance) -> None:
    from federation.local_actors import hash_token
    from models.actors import ApiToken

    ann, _ = await moot.user("ann")
    await ApiToken.create(token_hash=hash_token("write-only"), actor=ann, label="app", scopes="write")
    await ApiToken.create(token_hash=hash_token("notify-only"), actor=ann, label="app", scopes="read:notifications")
    async with moot.session.get(f"{moot.base_url}/api/v1/streaming/user?access_token=write-only") as response:
        assert response.status == 403 and "outside the authorized scopes" in await response.text()
    async with moot.session.get(f"{moot.base_url}/api/v1/streaming/user?access_token=notify-only") as response:
        assert response.status == 403
    async with moot.session.ws_connect(
            f"{moot.base_url}/api/v1/streaming?stream=user:notification&access_token=notify-only") as ws:
        await ws.send_json({"type": "subscribe", "stream": "user"})
        assert "outside the authorized scopes" in (await ws.receive_json(timeout=WAIT))["error"]


async def test_public_streams_leave_out_whom_the_listener_blocks_or_mutes(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    cay, cay_token = await moot.user("cay")
    code, _ = await moot.api("POST", f"/api/v1/accounts/{bob.id}/block", ann_token)
    assert code == 200
    code, _ = await moot.api("POST", f"/api/v1/accounts/{cay.id}/mute", ann_token)
    assert code == 200
    async with moot.session.ws_connect(
            f"{moot.base_url}/api/v1/streaming?stream=public:local&access_token={ann_token}") as ws:
        await asyncio.sleep(0.3)
        await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "from the blocked one"})
        await moot.api("POST", "/api/v1/statuses", cay_token, json={"status": "from the muted one"})
        await no_event(ws, 1.0)
        code, mine = await moot.api("POST", "/api/v1/statuses", ann_token, json={"status": "my own"})
        event = await next_event(ws)
        assert event["payload"]["id"] == mine["id"]
