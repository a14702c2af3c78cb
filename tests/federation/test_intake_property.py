"""Property: real-world activities (tests/fixtures/), mutated at random, never break intake or the worker.

For every mutated activity, signed by its actor and sent to a group's inbox while a good activity from someone
else arrives in the same burst: intake answers a clear 2xx/4xx (never a 5xx), the good activity is accepted and
stored, the worker ends every item as applied, ignored or cleanly rejected (never an unexpected exception left
for retry), and no NUL character is ever stored.

Each example runs a real Moot server on loopback in its own event loop (hypothesis drives synchronous tests),
against one database per engine that the examples share.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer, unused_port
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation.groups.admin import GroupSettings, create_group
from federation.local_actors import create_user
from federation.work import drain
from models.database_context import activate
from models.posts import Post
from models.queues import DONE, FAILED, InboxItem
from server import keys
from server.app import create_app
from server.settings import Settings
from tests.conftest import _pg_admin, _pg_url
from tests.fakeremote import FakeRemote

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ACTIVITY_TYPES = {"Create", "Update", "Delete", "Like", "Dislike", "Announce", "Follow", "Undo", "Flag", "Block",
                  "Join", "Leave", "Add", "Remove", "Accept", "Reject"}
EXAMPLES = int(os.environ.get("MOOT_PROPERTY_EXAMPLES", "25"))
# Transient failures the worker rightly retries: the mutated activity names a server that is not there.
RETRIED_CLEANLY = ("FetchError", "ResolveError")


def _activity_fixtures() -> list[dict[str, Any]]:
    found = []
    for path in sorted(FIXTURES.glob("*.json")):
        doc = json.loads(path.read_text())
        if isinstance(doc, dict) and doc.get("type") in ACTIVITY_TYPES and isinstance(doc.get("actor"), (str, dict)):
            found.append(doc)
    return found


ACTIVITIES = _activity_fixtures()

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**63, max_value=2**63), st.floats(allow_nan=False),
    st.text(max_size=30), st.text(alphabet=st.sampled_from(["\x00", "a", "é", "\u202e", "<", "\ud7ff"]), max_size=8),
    st.sampled_from(["Note", "Create", ["Note"], ["Create", "Note"], "https://www.w3.org/ns/activitystreams#Public",
                     "http://127.0.0.1:1/x", "javascript:alert(1)", "a" * 300]),
)
json_value = st.recursive(json_leaf, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)), max_leaves=12)
# A mutation: (operation, which node, new value).
# A mutation: (operation, which node it applies to, new value).
mutation = st.tuples(st.sampled_from(["replace", "delete", "wrap", "nul", "typelist", "deep"]),
                     st.integers(min_value=0, max_value=10_000), json_value)


def _nodes(doc: Any, found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """(container, key) of every value below doc, depth-first."""
    if isinstance(doc, dict):
        for key in list(doc):
            found.append((doc, key))
            _nodes(doc[key], found)
    elif isinstance(doc, list):
        for index in range(len(doc)):
            found.append((doc, index))
            _nodes(doc[index], found)
    return found


# Which nodes each operation may touch: a NUL goes into text, a list into a `type`.
APPLIES_TO = {
    "delete": lambda container, key: isinstance(container, dict),
    "nul": lambda container, key: isinstance(container[key], str),
    "typelist": lambda container, key: key == "type" and isinstance(container[key], str),
}


def mutate(doc: dict[str, Any], mutations: list[tuple[str, int, Any]]) -> dict[str, Any]:
    for operation, which, value in mutations:
        applies = APPLIES_TO.get(operation, lambda container, key: True)
        nodes = [(container, key) for container, key in _nodes(doc, []) if applies(container, key)]
        if not nodes:
            continue
        container, key = nodes[which % len(nodes)]
        current = container[key]
        if operation == "replace":
            container[key] = value
        elif operation == "delete":
            del container[key]
        elif operation == "wrap":
            container[key] = [current]
        elif operation == "nul":
            container[key] = current[: len(current) // 2] + "\x00" + current[len(current) // 2:]
        elif operation == "typelist":
            container[key] = [current, "http://schema.org/Thing"] if which % 2 else [current]
        elif operation == "deep":
            nested: Any = current
            for _ in range(200 + which % 400):
                nested = [nested]
            container[key] = nested
    return doc


def retarget(doc: dict[str, Any], actor_uri: str, remote_base: str, group_uri: str) -> dict[str, Any]:
    """The fixture as if its actor lived on our fake remote, addressed to (and about) our group."""
    original = doc["actor"] if isinstance(doc["actor"], str) else doc["actor"].get("id", "")
    origin = "/".join(original.split("/")[:3])
    text = json.dumps(doc).replace(original, actor_uri).replace(origin, remote_base)
    moved = json.loads(text)
    for target in (moved, moved.get("object") if isinstance(moved.get("object"), dict) else None):
        if target is not None:
            target["cc"] = [*(target.get("cc") or [] if isinstance(target.get("cc"), list) else []), group_uri]
    if moved.get("type") in ("Follow", "Join", "Leave", "Like", "Dislike", "Flag"):
        moved["object"] = group_uri
    return moved


def _has_nul(value: Any) -> bool:
    return "\x00" in json.dumps(value, ensure_ascii=False) or "\\u0000" in json.dumps(value)


class World:
    """What the examples share: the database, and names to keep unique."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.database_url = database_url
        self.data_dir = data_dir
        self.count = 0


@pytest.fixture
def world(engine: str, tmp_path: Path, sqlite_template: Path, postgres_template: str | None) -> Any:
    if engine == "sqlite":
        path = tmp_path / "property.sqlite3"
        shutil.copy(sqlite_template, path)
        yield World(f"sqlite://{path}", tmp_path)
        return
    name = f"moot_property_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f"CREATE DATABASE {name} TEMPLATE {postgres_template}"))
    yield World(_pg_url(name), tmp_path)
    asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


async def _run_example(world: World, fixture: dict[str, Any], mutations: list[tuple[str, int, Any]]) -> None:
    world.count += 1
    port = unused_port()
    settings_ = Settings(base_url=f"http://127.0.0.1:{port}", listen=f"127.0.0.1:{port}",
                         database_url=world.database_url, allow_private_addresses=True, run_workers=False,
                         data_dir=world.data_dir / "data")
    app = create_app(settings_)
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    remote = await FakeRemote().start()
    try:
        ctx = app[keys.FEDERATION]
        activate(app[keys.DATABASE])
        owner = await create_user(ctx, f"owner{world.count}", password_hash=None)
        group = await create_group(ctx, f"group{world.count}", owner, GroupSettings())
        sender, bystander = remote.add_actor("sender"), remote.add_actor("bystander")
        hostile = mutate(retarget(fixture, sender.uri, remote.base_url, group.uri), mutations)
        if isinstance(hostile.get("id"), str):
            hostile["id"] = sender.new_id()  # a fresh id, so no example is taken for a replay of another
        good = {"@context": "https://www.w3.org/ns/activitystreams", "id": bystander.new_id(), "type": "Follow",
                "actor": bystander.uri, "object": group.uri}
        body = json.dumps(hostile).encode()
        (status, answer), (good_status, good_answer) = await asyncio.gather(
            remote.send(sender, group.inbox, body), remote.send(bystander, group.inbox, good))
        assert status < 500, (status, answer, hostile)
        assert good_status == 202, (good_status, good_answer)
        activate(app[keys.DATABASE])
        assert await InboxItem.filter(activity_id=good["id"]).exists()
        await drain(ctx)
        activate(app[keys.DATABASE])
        for item in await InboxItem.filter(actor_uri__in=[sender.uri, bystander.uri]):
            assert not _has_nul(item.activity), item.activity
            unfinished = item.state not in (DONE, FAILED)
            if unfinished or item.state == FAILED and item.attempts:
                assert (item.last_error or "").startswith(RETRIED_CLEANLY), (item.last_error, item.activity)
        for post in await Post.filter(author__uri=sender.uri):
            assert not _has_nul([post.content, post.name, post.summary, post.url, post.to, post.cc, post.tags])
    finally:
        await remote.close()
        await server.close()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(fixture=st.sampled_from(ACTIVITIES), mutations=st.lists(mutation, min_size=0, max_size=4))
def test_mutated_real_world_activities_never_break_intake_or_the_worker(
    world: World, fixture: dict[str, Any], mutations: list[tuple[str, int, Any]]
) -> None:
    asyncio.run(_run_example(world, json.loads(json.dumps(fixture)), mutations))


def test_the_property_covers_every_kind_of_activity_fixture() -> None:
    assert {doc["type"] for doc in ACTIVITIES} >= {"Create", "Like", "Follow", "Undo", "Delete", "Announce", "Flag"}
    assert len(ACTIVITIES) >= 15

