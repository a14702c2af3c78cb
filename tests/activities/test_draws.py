"""Draws in a group, on real loopback servers: the commitment is published and relayed to a remote member, members
take part (a remote reply, local likes and replies), the reveal job draws the winners at the deadline, and this
test recomputes them with its own code (not Moot's) from the revealed seed and the published list."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from federation.jobs import run_due_jobs
from models.actors import Actor
from models.draws import Draw
from models.moderation import ModLogEntry
from models.posts import Post
from models.queues import ScheduledJob
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import deliver, lemmy_comment, make_group, remote_member, wrapped

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def independent_winners(seed_hex: str, eligible: list[str], count: int) -> list[str]:
    """The documented algorithm (docs/draws.md), written again here on purpose: Moot's code is not imported."""
    seed = bytes.fromhex(seed_hex)
    ordered = sorted(set(eligible))
    return sorted(ordered, key=lambda uri: hashlib.sha256(seed + b"\n" + uri.encode()).hexdigest())[:count]


def list_digest(uris: list[str]) -> str:
    return hashlib.sha256("".join(uri + "\n" for uri in uris).encode()).hexdigest()


async def join_locally(moot: MootInstance, group: Actor, name: str) -> tuple[Actor, str]:
    actor, token = await moot.user(name)
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", token)
    assert status in (200, 201, 202), body
    return actor, token


async def new_draw(moot: MootInstance, token: str, path: str, **fields: Any) -> tuple[int, Any]:
    deadline = fields.pop("deadline", datetime.now(timezone.utc) + timedelta(hours=1))
    body = {"prize": "A basket of heirloom seeds", "winners_count": 2, "deadline": deadline.isoformat(), **fields}
    return await moot.api("POST", path, token, json=body)


def relayed_creates(remote: FakeRemote, group: Actor) -> list[dict[str, Any]]:
    return wrapped(remote, group, "Create")


async def test_a_group_draw_is_committed_relayed_drawn_and_verifiable(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner, owner_token, _ = await make_group(moot, "growers")
    alice_fake, alice = await remote_member(moot, remote, group, "alice")
    bob_fake, _ = await remote_member(moot, remote, group, "bob")  # a member who does not take part
    mia, mia_token = await join_locally(moot, group, "mia")
    lea, lea_token = await join_locally(moot, group, "lea")
    dan, dan_token = await join_locally(moot, group, "dan")  # takes part, then is banned
    _, outsider_token = await moot.user("olaf")  # not a member: a like does not make him eligible

    # Only moderators make draws.
    status, _ = await new_draw(moot, mia_token, f"/api/moot/v1/groups/{group.id}/draws")
    assert status == 403
    status, body = await new_draw(moot, owner_token, f"/api/moot/v1/groups/{group.id}/draws", winners_count=0)
    assert status == 422 and "winners" in body["error"]
    status, body = await new_draw(moot, owner_token, f"/api/moot/v1/groups/{group.id}/draws",
                                  deadline=datetime.now(timezone.utc) - timedelta(minutes=5))
    assert status == 422 and "future" in body["error"]

    status, made = await new_draw(moot, owner_token, f"/api/moot/v1/groups/{group.id}/draws")
    assert status == 201, made
    assert made["state"] == "open" and made["seed"] is None and HEX64.match(made["commitment"])
    commitment = made["commitment"]
    await moot.drain()
    moot.use()
    post = await Post.get(id=int(made["post_id"]))
    assert post.group_id == group.id and post.author_id == owner.id
    assert f"Commitment (SHA-256 of the seed): {commitment}" in post.content
    # The announcement is relayed to the remote members like any post of the group.
    (relayed,) = [create for create in relayed_creates(remote, group) if create["object"]["id"] == post.uri]
    assert commitment in relayed["object"]["content"] and "A basket of heirloom seeds" in relayed["object"]["content"]
    # The secret stays secret while the draw is open: not in the API, not in the audit list.
    status, audit = await moot.api("GET", f"/draws/{made['id']}/audit.json")
    assert status == 200 and audit["seed"] is None and audit["eligible"] is None
    draw = await Draw.get(id=int(made["id"]))
    assert draw.seed_hex not in json.dumps(made) and draw.seed_hex not in json.dumps(audit)

    # Members take part: alice replies from her server, mia and dan like it, lea replies here, olaf likes it.
    await deliver(moot, remote, alice_fake, group, lemmy_comment(alice_fake, group, post.uri, "<p>Me please!</p>"))
    for token in (mia_token, dan_token, outsider_token, owner_token):
        status, _ = await moot.api("POST", f"/api/v1/statuses/{post.id}/favourite", token)
        assert status == 200
    status, _ = await moot.api("POST", "/api/v1/statuses", lea_token, json={"status": "Count me in",
                                                                          "in_reply_to_id": str(post.id)})
    assert status == 200
    status, _ = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/bans", owner_token,
                               json={"account_id": str(dan.id), "reason": "spam"})
    assert status in (200, 201)
    await moot.drain()

    # Nobody but a moderator may cancel it.
    status, _ = await moot.api("POST", f"/api/moot/v1/draws/{made['id']}/cancel", mia_token, json={"reason": "x"})
    assert status == 403
    # Before its deadline the job waits.
    moot.use()
    assert await run_due_jobs(moot.fed, now=datetime.now(timezone.utc)) == 0

    deadline = datetime.fromisoformat(made["deadline"].replace("Z", "+00:00"))
    assert await run_due_jobs(moot.fed, now=deadline + timedelta(minutes=1)) >= 1
    await moot.drain()

    status, done = await moot.api("GET", f"/api/moot/v1/draws/{made['id']}")
    assert status == 200 and done["state"] == "drawn"
    seed = done["seed"]
    assert HEX64.match(seed) and hashlib.sha256(bytes.fromhex(seed)).hexdigest() == commitment
    status, audit = await moot.api("GET", f"/draws/{made['id']}/audit.json")
    assert status == 200 and audit["seed"] == seed and audit["commitment"] == commitment
    # Eligible: the members who replied or liked; not bob (did nothing), dan (banned), olaf (not a member),
    # nor the owner who ran the draw.
    expected = sorted([alice.uri, mia.uri, lea.uri])
    assert audit["eligible"] == expected and done["eligible_count"] == 3
    assert audit["eligible_sha256"] == done["eligible_sha256"] == list_digest(expected)
    winners = independent_winners(seed, audit["eligible"], 2)
    assert audit["winners"] == winners
    assert [account["uri"] for account in done["winners"]] == winners

    # The result is a reply in the thread, relayed, naming the seed and the list's digest, mentioning the winners.
    moot.use()
    result = await Post.get(id=int(done["result_post_id"]))
    assert result.in_reply_to_id == post.id and result.author_id == owner.id and result.group_id == group.id
    assert seed in result.content and list_digest(expected) in result.content
    assert {tag["href"] for tag in result.tags if tag["type"] == "Mention"} == set(winners)
    (relayed_result,) = [c for c in relayed_creates(remote, group) if c["object"]["id"] == result.uri]
    note = relayed_result["object"]
    assert note["inReplyTo"] == post.uri and seed in note["content"]
    assert {tag["href"] for tag in note["tag"] if tag["type"] == "Mention"} == set(winners)
    # The modlog has both steps, in the group's log.
    entries = await ModLogEntry.filter(group=group, action__startswith="draw.").order_by("id")
    assert [entry.action for entry in entries] == ["draw.created", "draw.drawn"]
    assert entries[0].moderator_id == owner.id and entries[0].target == post.uri
    status, log = await moot.api("GET", "/api/moot/v1/modlog?group_id=growers")
    texts = [entry["text"] for entry in log if entry["action"].startswith("draw.")]
    assert "The winners of the draw for “A basket of heirloom seeds” in growers were drawn" in texts, texts

    # Running the job again changes nothing; an over draw cannot be cancelled.
    moot.use()
    await run_due_jobs(moot.fed, now=deadline + timedelta(hours=2))
    assert (await Draw.get(id=int(made["id"]))).winners == winners
    status, _ = await moot.api("POST", f"/api/moot/v1/draws/{made['id']}/cancel", owner_token, json={"reason": "x"})
    assert status == 409


async def test_cancelling_before_the_deadline_reveals_the_seed_and_draws_nobody(
    moot: MootInstance, remote: FakeRemote,
) -> None:
    group, owner, owner_token, _ = await make_group(moot, "bakers")
    alice_fake, alice = await remote_member(moot, remote, group, "alice")
    mia, mia_token = await join_locally(moot, group, "mia")
    status, made = await new_draw(moot, owner_token, f"/api/moot/v1/groups/{group.id}/draws", winners_count=1)
    assert status == 201
    await moot.api("POST", f"/api/v1/statuses/{made['post_id']}/favourite", mia_token)
    cancel = f"/api/moot/v1/draws/{made['id']}/cancel"
    status, _ = await moot.api("POST", cancel, mia_token, json={"reason": "I want to"})
    assert status == 403
    status, body = await moot.api("POST", cancel, owner_token, json={"reason": "  "})
    assert status == 422 and "why" in body["error"]
    status, cancelled = await moot.api("POST", cancel, owner_token, json={"reason": "The sponsor withdrew"})
    assert status == 200 and cancelled["state"] == "cancelled" and cancelled["winners"] == []
    assert hashlib.sha256(bytes.fromhex(cancelled["seed"])).hexdigest() == made["commitment"]
    assert cancelled["cancel_reason"] == "The sponsor withdrew" and cancelled["eligible_count"] == 1
    await moot.drain()
    moot.use()
    # The reveal is unscheduled: after the deadline nothing is drawn.
    assert not await ScheduledJob.filter(key=f"draw.reveal:{made['id']}", state="pending").exists()
    deadline = datetime.fromisoformat(made["deadline"].replace("Z", "+00:00"))
    await run_due_jobs(moot.fed, now=deadline + timedelta(minutes=5))
    draw = await Draw.get(id=int(made["id"]))
    assert draw.state == "cancelled" and draw.winners == [] and draw.drawn_at is None
    # The cancellation is a reply in the thread, relayed to the members; the modlog keeps the reason.
    reply = await Post.get(id=draw.result_post_id)
    assert reply.in_reply_to_id == draw.post_id and "The sponsor withdrew" in reply.content
    assert any(c["object"]["id"] == reply.uri for c in relayed_creates(remote, group))
    (entry,) = await ModLogEntry.filter(group=group, action="draw.cancelled")
    assert entry.moderator_id == owner.id and entry.reason == "The sponsor withdrew"
    assert not await ModLogEntry.filter(action="draw.drawn").exists()
    status, _ = await moot.api("POST", cancel, owner_token, json={"reason": "again"})
    assert status == 409
    assert alice.uri not in (draw.eligible or [])  # alice never took part
