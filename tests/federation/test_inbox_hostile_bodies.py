"""Bodies built to break intake: nesting deep enough to exhaust recursion, characters no database can store,
and one row the database refuses in a batch of good ones from other senders."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from federation.inbox.inbox_rows import NewInboxRow
from federation.inbox.intake import InboxWriter
from federation.queue import utcnow
from models.queues import InboxItem
from tests.conftest import MootInstance
from tests.fakeremote import AS, FakeActor, FakeRemote

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def create_note(actor: FakeActor, content: str = "<p>Hello</p>", **extra: Any) -> dict[str, Any]:
    return {
        "@context": AS, "id": actor.new_id(), "type": "Create", "actor": actor.uri, "to": [PUBLIC],
        "object": {"id": actor.new_id("notes"), "type": "Note", "attributedTo": actor.uri, "to": [PUBLIC],
                   "content": content, **extra},
    }


def nested(depth: int) -> dict[str, Any]:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"a": value}
    return value


DEEP_BODIES = {
    "300000 brackets": b"[" * 300_000,
    "200000 open objects": b'{"a":' * 200_000,
    "an activity 100 levels deep": None,  # valid JSON, built in the test
}


@pytest.mark.parametrize("kind", list(DEEP_BODIES))
async def test_deeply_nested_json_is_a_400_at_the_inbox(moot: MootInstance, remote: FakeRemote, kind: str) -> None:
    alice = remote.add_actor("alice")
    owner, _ = await moot.user("owner")
    page, _ = await moot.page("news", owner)
    body = DEEP_BODIES[kind]
    if body is None:
        body = json.dumps(create_note(alice, extra=nested(100))).encode()
    status, reply = await remote.send(alice, page.inbox, body)
    assert status == 400, reply
    assert "nested too deeply (more than 64 levels)" in reply["error"]
    assert await InboxItem.all().count() == 0
    # The server is fine: the next delivery is taken.
    status, reply = await remote.send(alice, page.inbox, create_note(alice))
    assert status == 202, reply


@pytest.mark.parametrize("body", [b"[" * 300_000, b'{"a":' * 200_000, json.dumps({"status": nested(40)}).encode()],
                         ids=["brackets", "objects", "40 levels"])
async def test_deeply_nested_json_is_a_400_at_the_api(moot: MootInstance, body: bytes) -> None:
    _, token = await moot.user("ada")
    status, reply = await moot.api("POST", "/api/v1/statuses", token, data=body,
                                   headers={"Content-Type": "application/json"})
    assert status == 400, reply
    assert "nested too deeply" in reply["error"]
    status, reply = await moot.api("POST", "/api/v1/statuses", token, json={"status": "still here"})
    assert status == 200, reply


async def test_a_nul_character_never_fails_other_senders(moot: MootInstance, remote: FakeRemote) -> None:
    """PostgreSQL refuses U+0000 in text and jsonb: intake removes it (and lone surrogates) on every engine."""
    mallory, bob = remote.add_actor("mallory"), remote.add_actor("bob")
    owner, _ = await moot.user("owner")
    page, _ = await moot.page("news", owner)
    # Warm the key cache, so the burst below reaches the writer together.
    for actor in (mallory, bob):
        status, _ = await remote.send(actor, page.inbox, create_note(actor))
        assert status == 202
    hostile = create_note(mallory, content="<p>null\u0000byte \ud800 here</p>", **{"k\u0000ey": ["v\u0000"]})
    good = [create_note(bob, content=f"<p>Good post {n} with \u00e9 and \U0001f600</p>") for n in range(12)]
    burst = [hostile, *good]
    results = await asyncio.gather(*(remote.send(mallory if a is hostile else bob, page.inbox, a) for a in burst))
    assert [status for status, _ in results] == [202] * len(burst), results
    moot.use()
    for activity in good:
        assert (await InboxItem.get(activity_id=activity["id"])).activity == activity
    stored = (await InboxItem.get(activity_id=hostile["id"])).activity
    assert stored["object"]["content"] == "<p>nullbyte \ufffd here</p>"
    assert stored["object"]["key"] == ["v"]
    for row in await InboxItem.all():
        assert "\x00" not in json.dumps(row.activity, ensure_ascii=False)


REFUSE_POISON = {
    "sqlite": """
        CREATE TRIGGER refuse_poison BEFORE INSERT ON inbox_item WHEN NEW.actor_uri LIKE '%/poison%'
        BEGIN SELECT RAISE(ABORT, 'poisoned row'); END;
    """,
    "postgres": """
        CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.actor_uri LIKE '%/poison%' THEN RAISE EXCEPTION 'poisoned row'; END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_poison BEFORE INSERT ON inbox_item FOR EACH ROW EXECUTE FUNCTION refuse_poison();
    """,
}


async def test_a_row_the_database_refuses_fails_only_its_own_request(moot: MootInstance, engine: str) -> None:
    """Whatever the database refuses in one row (here a real trigger does), the rest of the batch is stored."""
    await moot.database.db().execute_script(REFUSE_POISON[engine])

    def item(actor: str, n: int) -> NewInboxRow:
        activity_id = f"https://{actor}.example/activities/{n}"
        return NewInboxRow(activity_id, f"https://{actor}.example/users/{actor}", None,
                           json.dumps({"id": activity_id, "type": "Like"}), utcnow())

    writer = InboxWriter()
    good = [item("good", n) for n in range(5)]
    repeated = item("good", 0)  # the same activity again, in the same batch
    bad = item("poison", 1)
    results = await asyncio.gather(*(writer.add(row) for row in [good[0], bad, *good[1:], repeated]),
                                   return_exceptions=True)
    assert results[0] is True and all(result is True for result in results[2:-1]), results
    assert results[-1] is False  # already received
    assert isinstance(results[1], Exception) and "poisoned row" in str(results[1])
    assert sorted(await InboxItem.all().values_list("activity_id", flat=True)) == sorted(r.activity_id for r in good)
