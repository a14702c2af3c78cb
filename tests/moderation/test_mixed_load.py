"""A smaller run of the mixed federation load (bench/moderation_load.py runs 10,000): every activity
sent ends as expected, accepted, held, rejected or refused, and nothing is lost."""
from __future__ import annotations

import asyncio

from bench.loadmix import HOLD_WORD, REJECT_WORD, LoadActor, Tally, http_end, plan
from models.queues import InboxItem
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import make_group
from tests.moderation.helpers import admin, set_domain

TOTAL = 210


async def test_every_activity_is_accounted_for(moot_factory) -> None:
    moot: MootInstance = await moot_factory(inbox_rate_per_actor=0, inbox_rate_per_domain=0)
    group, _, _, _ = await make_group(moot)
    _, root = await admin(moot)
    for word, action in ((REJECT_WORD, "reject"), (HOLD_WORD, "hold")):
        status, _ = await moot.api("POST", "/api/moot/v1/admin/content_rules", root,
                                   json={"pattern": word, "action": action})
        assert status == 201
    servers = {role: [await FakeRemote().start() for _ in range(count)]
               for role, count in (("normal", 2), ("suspended", 1), ("limited", 1))}
    try:
        await set_domain(moot, root, servers["suspended"][0].host, "suspend")
        await set_domain(moot, root, servers["limited"][0].host, "limit")
        fakes: dict[str, tuple[FakeRemote, object]] = {}
        actors = []
        for role, fakes_of_role in servers.items():
            for server_index, fake in enumerate(fakes_of_role):
                for number in range(3):
                    actor = fake.add_actor(f"{role}{server_index}_{number}")
                    actors.append(LoadActor(actor.uri, actor.key_id, actor.private_pem, role))
                    fakes[actor.uri] = (fake, actor)
        wrong = servers["normal"][0].add_actor("impostor")
        planned = plan(actors, group.uri, TOTAL)
        limit = asyncio.Semaphore(16)

        async def send(item):  # type: ignore[no-untyped-def]
            fake, actor = fakes[item.sender.uri]
            options = {"private_pem": wrong.private_pem} if item.wrong_key else {}
            async with limit:
                return await fake.send(actor, group.inbox, item.body, **options)

        answers = await asyncio.gather(*(send(item) for item in planned))
        status, _ = await moot.api("GET", "/.well-known/nodeinfo")
        assert status == 200  # still answering under load
        await moot.drain()
        outcomes = dict(await InboxItem.all().values_list("activity_id", "outcome"))
        tally = Tally()
        for item, (status, body) in zip(planned, answers):
            tally.add(item.category, http_end(status, body) or outcomes.get(item.activity_id) or "lost")
        assert tally.mismatches() == {}
        assert sum(sum(counter.values()) for counter in tally.ends.values()) == TOTAL
        assert set(tally.ends) == {"ok", "suspended", "limited", "rule_reject", "rule_hold", "malformed",
                                   "bad_signature"}
    finally:
        for fakes_of_role in servers.values():
            for fake in fakes_of_role:
                await fake.close()
