"""Polls between servers, on real loopback servers: a Mastodon-shaped fake server votes on Moot's polls (a page's
post, a public group's thread, a private group's thread) and receives the batched Update{Question} with the counts;
late votes and outsiders' votes are refused; a vote is never a reply; a local person votes on a remote poll; a
remote Question relayed into a local group keeps its options and counts, and only its author updates them."""
from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from federation.jobs import run_due_jobs
from federation.queue import utcnow
from models.actors import Actor
from models.polls import Poll, PollVote
from models.posts import Post
from models.queues import InboxItem, OutboundActivity, ScheduledJob
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote
from tests.groups.helpers import join, make_group

_numbers = itertools.count(1)
LATER = timedelta(minutes=4)  # past the results' batch window (3 minutes)


def mastodon_vote(voter: FakeActor, question_uri: str, author_uri: str, name: str) -> dict[str, Any]:
    """A vote as Mastodon's VoteSerializer writes it: ids under the voter with #votes/, `to` the author only."""
    note_id = f"{voter.uri}#votes/{next(_numbers)}"
    return {
        "@context": AS, "id": f"{note_id}/activity", "type": "Create", "actor": voter.uri, "to": author_uri,
        "object": {"id": note_id, "type": "Note", "name": name, "attributedTo": voter.uri,
                   "inReplyTo": question_uri, "to": author_uri},
    }


async def send(remote: FakeRemote, actor: FakeActor, inbox: str, activity: dict[str, Any]) -> None:
    status, body = await remote.send(actor, inbox, activity)
    assert status == 202, body


async def outcome(moot: MootInstance, activity: dict[str, Any]) -> tuple[str | None, str | None]:
    moot.use()
    item = await InboxItem.get(activity_id=activity["id"])
    return item.outcome, item.last_error


async def run_jobs(moot: MootInstance, after: timedelta = LATER) -> None:
    moot.use()
    await run_due_jobs(moot.fed, now=utcnow() + after)
    await moot.drain()


def updates(remote: FakeRemote, question_uri: str) -> list[dict[str, Any]]:
    """The Update{Question} activities the fake received from the author (not the group's Announce of them)."""
    return [body for body in remote.activities("Update")
            if isinstance(body["object"], dict) and body["object"].get("id") == question_uri]


def counts_of(question: dict[str, Any]) -> dict[str, int]:
    items = question.get("oneOf") or question.get("anyOf")
    return {item["name"]: item["replies"]["totalItems"] for item in items}


async def page_poll(moot: MootInstance, remote: FakeRemote, **poll: Any) -> tuple[Actor, str, dict[str, Any], FakeActor]:
    """A page with a remote follower on the fake server, and a poll posted by the page through the API."""
    owner, _ = await moot.user("owner")
    page, token = await moot.page("bakery", owner)
    fan = remote.add_actor("fan")
    await send(remote, fan, page.inbox, {"@context": AS, "id": fan.new_id(), "type": "Follow", "actor": fan.uri,
                                         "object": page.uri})
    await moot.drain()
    status, body = await moot.api("POST", "/api/v1/statuses", token, json={
        "status": "Which bread tomorrow?",
        "poll": {"options": ["Rye", "Spelt", "Sourdough"], "expires_in": 3600, **poll}})
    assert status == 200, body
    await moot.drain()
    return page, token, body, fan


async def test_mastodon_votes_on_a_page_poll_and_gets_batched_updates(moot: MootInstance, remote: FakeRemote) -> None:
    page, token, status, fan = await page_poll(moot, remote)
    question_uri = status["uri"]
    # The follower's server got the Question, shaped as Mastodon's own.
    (create,) = [body for body in remote.activities("Create") if body["object"]["id"] == question_uri]
    question = create["object"]
    assert question["type"] == "Question" and question["endTime"] and "closed" not in question
    assert question["oneOf"] == [{"type": "Note", "name": name, "replies": {"type": "Collection", "totalItems": 0}}
                                 for name in ("Rye", "Spelt", "Sourdough")]
    assert question["votersCount"] == 0 and "anyOf" not in question

    voters = [remote.add_actor(f"voter{n}") for n in range(6)]
    choices = ["Rye", "Spelt", "Spelt", "Sourdough", "Spelt", "Rye"]
    for voter, choice in zip(voters, choices):  # to the page's own inbox, as Mastodon delivers a vote
        await send(remote, voter, page.inbox, mastodon_vote(voter, question_uri, page.uri, choice))
    # One person, one vote on a single-choice poll: a second choice is not counted; the same Note twice neither.
    second = mastodon_vote(voters[0], question_uri, page.uri, "Spelt")
    await send(remote, voters[0], page.inbox, second)
    await moot.drain()
    assert await outcome(moot, second) == ("ignored", None)
    assert updates(remote, question_uri) == []  # nothing yet: the counts wait for the batch window
    assert await ScheduledJob.filter(key__startswith="poll-results:", state="pending").count() == 1

    await run_jobs(moot)
    (update,) = updates(remote, question_uri)
    assert update["actor"] == page.uri and update["to"] == [PUBLIC]
    assert counts_of(update["object"]) == {"Rye": 2, "Spelt": 3, "Sourdough": 1}
    assert update["object"]["votersCount"] == 6 and "updated" not in update["object"]
    # One delivery per server: the fake's shared inbox, for the follower and all six voters.
    assert [r.path for r in remote.received if r.body is update] == ["/inbox"]

    # Later votes: one more Update, whatever their number.
    late = [remote.add_actor(f"late{n}") for n in range(3)]
    for voter in late:
        await send(remote, voter, page.shared_inbox, mastodon_vote(voter, question_uri, page.uri, "Sourdough"))
    await moot.drain()
    await run_jobs(moot)
    assert len(updates(remote, question_uri)) == 2
    assert counts_of(updates(remote, question_uri)[-1]["object"]) == {"Rye": 2, "Spelt": 3, "Sourdough": 4}

    # The end: a final Update with `closed`; then the API says so too.
    await run_jobs(moot, timedelta(hours=2))
    final = updates(remote, question_uri)[-1]
    assert len(updates(remote, question_uri)) == 3 and final["object"]["closed"] == final["object"]["endTime"]
    status_code, poll = await moot.api("GET", f"/api/v1/polls/{status['poll']['id']}", token)
    assert status_code == 200 and poll["expired"] is True and poll["votes_count"] == 9 and poll["voters_count"] == 9

    # After the end, a vote is refused, and nothing more goes out.
    closed = mastodon_vote(late[0], question_uri, page.uri, "Rye")
    refused = remote.add_actor("tardy")
    too_late = mastodon_vote(refused, question_uri, page.uri, "Rye")
    await send(remote, refused, page.inbox, too_late)
    await moot.drain()
    result, reason = await outcome(moot, too_late)
    assert result == "rejected" and "too late" in (reason or "")
    assert closed and await PollVote.filter(voter__uri=refused.uri).count() == 0
    await run_jobs(moot, timedelta(hours=3))
    assert len(updates(remote, question_uri)) == 3

    # No vote became a post: not a reply in the thread, the API or the page's outbox.
    moot.use()
    assert await Post.filter(in_reply_to_uri=question_uri).count() == 0
    assert not await Post.filter(uri__contains="#votes/").exists()
    _, shown = await moot.api("GET", f"/api/v1/statuses/{status['id']}")
    assert shown["replies_count"] == 0 and shown["poll"]["options"][2] == {"title": "Sourdough", "votes_count": 4}
    async with moot.session.get(f"{moot.base_url}/threads/{status['id']}") as response:
        html = await response.text()
    assert "No replies yet." in html and "voter0" not in html
    code, outbox = await moot.get_ap(f"{page.outbox}?page=1")
    assert code == 200 and "#votes/" not in str(outbox)


async def test_hidden_totals_go_out_once_when_the_poll_closes(moot: MootInstance, remote: FakeRemote) -> None:
    page, token, status, _ = await page_poll(moot, remote, hide_totals=True)
    question = status["uri"]
    voter = remote.add_actor("quiet")
    await send(remote, voter, page.inbox, mastodon_vote(voter, question, page.uri, "Rye"))
    await moot.drain()
    (create,) = [body for body in remote.activities("Create") if body["object"]["id"] == question]
    assert all("replies" not in item for item in create["object"]["oneOf"])  # no counts while hidden
    _, others = await moot.api("GET", f"/api/v1/polls/{status['poll']['id']}")
    assert [option["votes_count"] for option in others["options"]] == [None, None, None]
    assert others["votes_count"] == 1
    _, own = await moot.api("GET", f"/api/v1/polls/{status['poll']['id']}", token)  # the page sees its poll's counts
    assert [option["votes_count"] for option in own["options"]] == [1, 0, 0] and own["voted"] is True
    await run_jobs(moot)
    assert updates(remote, question) == []
    await run_jobs(moot, timedelta(hours=2))
    (final,) = updates(remote, question)
    assert counts_of(final["object"]) == {"Rye": 1, "Spelt": 0, "Sourdough": 0} and final["object"]["closed"]


async def test_votes_in_a_public_group_reach_the_author_or_the_group(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, _, _ = await make_group(moot, "garden")
    member = remote.add_actor("member")
    await join(remote, member, group)
    await moot.drain()
    author, token = await moot.user("ada")
    status, body = await moot.api("POST", "/api/v1/statuses", token, data=[  # form fields, as Mastodon clients send
        ("status", f"@garden@{moot.host} When do we meet?"), ("poll[options][]", "Saturday"),
        ("poll[options][]", "Sunday"), ("poll[expires_in]", "86400"), ("poll[multiple]", "true")])
    assert status == 200, body
    await moot.drain()
    moot.use()
    post = await Post.get(id=int(body["id"]))
    assert post.group_id == group.id and post.type == "Question"
    relayed = [a["object"] for a in remote.activities("Announce") if isinstance(a["object"], dict)]
    assert relayed[0]["type"] == "Create" and relayed[0]["object"]["anyOf"][1]["name"] == "Sunday"

    # Mastodon sends a vote to the author's inbox; a group-minded server may send it to the group: both count.
    # Several choices: one Note per option.
    for choice in ("Saturday", "Sunday"):
        await send(remote, member, author.inbox, mastodon_vote(member, post.uri, author.uri, choice))
    other = remote.add_actor("other")  # not a member: a public group's poll is open to all who see it
    await send(remote, other, group.inbox, mastodon_vote(other, post.uri, author.uri, "Sunday"))
    await moot.drain()
    await run_jobs(moot)
    (update,) = updates(remote, post.uri)  # the author's Update reaches the members' servers (Mastodon's way)
    assert counts_of(update["object"]) == {"Saturday": 1, "Sunday": 2} and update["object"]["votersCount"] == 2
    announced = [a["object"] for a in remote.activities("Announce")
                 if isinstance(a["object"], dict) and a["object"].get("type") == "Update"]
    assert announced == [update]  # and the group relays it (Lemmy's way), exactly as sent
    moot.use()
    assert await Post.filter(in_reply_to_id=post.id).count() == 0
    code, thread = await moot.api("GET", f"/api/moot/v1/posts/{post.id}/thread")
    assert code == 200 and thread["replies"] == []


async def test_a_private_group_poll_takes_votes_from_members_only(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner, owner_token, _ = await make_group(moot, "vault", private=True)
    member, outsider = remote.add_actor("insider"), remote.add_actor("outsider")
    await join(remote, member, group)
    await moot.drain()
    moot.use()
    member_id = (await Actor.get(uri=member.uri)).id
    code, _ = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/requests/{member_id}/approve", owner_token)
    assert code == 200
    status, body = await moot.api("POST", "/api/v1/statuses", owner_token, json={
        "status": f"@vault@{moot.host} Secret ballot", "poll": {"options": ["Yes", "No"], "expires_in": 600}})
    assert status == 200, body
    await moot.drain()
    moot.use()
    post = await Post.get(id=int(body["id"]))
    assert post.visibility == "private" and post.group_id == group.id
    inside = mastodon_vote(member, post.uri, owner.uri, "Yes")
    outside = mastodon_vote(outsider, post.uri, owner.uri, "No")
    await send(remote, member, owner.inbox, inside)
    await send(remote, outsider, group.inbox, outside)
    await moot.drain()
    assert (await outcome(moot, inside))[0] == "applied"
    result, reason = await outcome(moot, outside)
    assert result == "rejected" and "may not see" in (reason or "")
    await run_jobs(moot)
    (update,) = updates(remote, post.uri)
    assert counts_of(update["object"]) == {"Yes": 1, "No": 0}
    assert PUBLIC not in update["to"] + update.get("cc", [])
    # Only the member's server heard it (the outsider lives there too: one shared inbox), never addressed to Public.
    assert all(PUBLIC not in str(r.body.get("to")) for r in remote.received if r.body.get("type") in ("Update", "Announce"))

    # A non-member's poll held for the moderators: its counts never go out, even when it closes.
    code, _ = await moot.api("PATCH", f"/api/moot/v1/groups/{group.id}", owner_token, json={"non_member_posts": "hold"})
    assert code == 200
    _, hal = await moot.user("hal")
    status, held = await moot.api("POST", "/api/v1/statuses", hal, json={
        "status": f"@vault@{moot.host} Held ballot", "poll": {"options": ["A", "B"], "expires_in": 600}})
    assert status == 200, held
    moot.use()
    held_post = await Post.get(id=int(held["id"]))
    assert held_post.group_id is None and held_post.audience_group_id == group.id
    await run_jobs(moot, timedelta(hours=1))
    assert updates(remote, held_post.uri) == [] and (await Poll.get(post_id=held_post.id)).closed_at is not None
    assert not [row for row in await OutboundActivity.filter(type="Update") if row.payload["object"]["id"] == held_post.uri]


async def test_a_local_person_votes_on_a_remote_poll(moot: MootInstance, remote: FakeRemote) -> None:
    voter, token = await moot.user("bob")
    author = remote.add_actor("pollster")
    code, _ = await moot.api("POST", f"/api/v1/accounts/{(await follow_target(moot, author)).id}/follow", token)
    assert code == 200
    await moot.drain()
    await send(remote, author, voter.inbox, {"@context": AS, "id": author.new_id(), "type": "Accept",
                                             "actor": author.uri, "object": remote.activities("Follow")[0]})
    question_id = author.new_id("statuses")
    question = {"id": question_id, "type": "Question", "attributedTo": author.uri, "to": [PUBLIC],
                "cc": [author.followers], "content": "<p>Tea or coffee?</p>", "published": "2026-11-30T10:00:00Z",
                "endTime": (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), "votersCount": 5,
                "oneOf": [{"type": "Note", "name": "Tea", "replies": {"type": "Collection", "totalItems": 2}},
                          {"type": "Note", "name": "Coffee", "replies": {"type": "Collection", "totalItems": 3}}]}
    await send(remote, author, voter.inbox, {"@context": AS, "id": f"{question_id}/activity", "type": "Create",
                                             "actor": author.uri, "to": [PUBLIC], "object": question})
    await moot.drain()
    moot.use()
    post = await Post.get(uri=question_id)
    _, shown = await moot.api("GET", f"/api/v1/statuses/{post.id}", token)
    poll = shown["poll"]
    assert [o["votes_count"] for o in poll["options"]] == [2, 3] and poll["voters_count"] == 5 and not poll["voted"]

    code, voted = await moot.api("POST", f"/api/v1/polls/{poll['id']}/votes", token, json={"choices": [0]})
    assert code == 200, voted
    assert voted["voted"] is True and voted["own_votes"] == [0] and voted["options"][0]["votes_count"] == 3
    await moot.drain()
    (vote,) = [body for body in remote.activities("Create") if body["actor"] == voter.uri]
    assert vote["to"] == [author.uri] and vote["object"]["to"] == [author.uri]
    assert {k: vote["object"][k] for k in ("type", "name", "inReplyTo", "attributedTo")} == {
        "type": "Note", "name": "Tea", "inReplyTo": question_id, "attributedTo": voter.uri}
    assert "content" not in vote["object"]
    assert [r.path for r in remote.received if r.body is vote] == [f"/users/{author.name}/inbox"]
    code, again = await moot.api("POST", f"/api/v1/polls/{poll['id']}/votes", token, json={"choices": [1]})
    assert code == 422 and "already" in again["error"]


async def follow_target(moot: MootInstance, fake: FakeActor) -> Actor:
    """Moot's record of a remote actor, fetched from its server as a search would."""
    from federation.resolve import get_actor

    moot.use()
    return await get_actor(moot.fed, fake.uri)


async def test_a_remote_question_relayed_into_a_group_keeps_its_counts(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, token, _ = await make_group(moot, "club")
    author, stranger = remote.add_actor("asker"), remote.add_actor("stranger")
    await join(remote, author, group)
    await moot.drain()
    question_id = author.new_id("statuses")
    question = {"id": question_id, "type": "Question", "attributedTo": author.uri, "to": [PUBLIC],
                "cc": [group.uri], "content": "<p>Next outing?</p>", "published": "2026-11-30T10:00:00Z",
                "tag": [{"type": "Mention", "href": group.uri, "name": "@club"}],
                "endTime": (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "anyOf": [{"type": "Note", "name": "Hike", "replies": {"type": "Collection", "totalItems": 4}},
                          {"type": "Note", "name": "Museum", "replies": {"type": "Collection", "totalItems": 1}}],
                "votersCount": 4}
    create = {"@context": AS, "id": f"{question_id}/activity", "type": "Create", "actor": author.uri,
              "to": [PUBLIC], "cc": [group.uri], "object": question}
    await send(remote, author, group.inbox, create)
    await moot.drain()
    moot.use()
    post = await Post.get(uri=question_id)
    assert post.group_id == group.id and post.type == "Question"
    poll = await Poll.get(post_id=post.id)
    assert poll.multiple and poll.voters_count == 4
    assert [(o["title"], o["votes_count"]) for o in poll.options] == [("Hike", 4), ("Museum", 1)]

    # New counts from the author: applied, and the post is not marked edited (no `updated`).
    counted = dict(question, anyOf=[{"type": "Note", "name": "Hike", "replies": {"totalItems": 6}},
                                    {"type": "Note", "name": "Museum", "replies": {"totalItems": 2}}], votersCount=7)
    update = {"@context": AS, "id": author.new_id(), "type": "Update", "actor": author.uri, "to": [PUBLIC],
              "object": counted}
    await send(remote, author, group.inbox, update)
    # Someone else's Update of it is refused.
    forged = dict(counted, anyOf=[{"type": "Note", "name": "Hike", "replies": {"totalItems": 99}},
                                  {"type": "Note", "name": "Museum", "replies": {"totalItems": 0}}])
    forgery = {"@context": AS, "id": stranger.new_id(), "type": "Update", "actor": stranger.uri, "object": forged}
    status, _ = await remote.send(stranger, group.inbox, forgery)
    await moot.drain()
    moot.use()
    poll = await Poll.get(post_id=post.id)
    assert [o["votes_count"] for o in poll.options] == [6, 2] and poll.voters_count == 7
    assert (await Post.get(id=post.id)).edited_at is None
    assert status in (202, 403) and (status == 403 or (await outcome(moot, forgery))[0] == "rejected")
    _, shown = await moot.api("GET", f"/api/v1/statuses/{post.id}", token)
    assert shown["poll"]["multiple"] is True and [o["votes_count"] for o in shown["poll"]["options"]] == [6, 2]
    # The members' servers got the author's Update relayed by the group.
    relayed = [a["object"] for a in remote.activities("Announce") if isinstance(a["object"], dict)]
    assert update in relayed
    # A closed poll from its author: `closed` true means now.
    await send(remote, author, group.inbox, dict(update, id=author.new_id(), object=dict(counted, closed=True)))
    await moot.drain()
    _, shown = await moot.api("GET", f"/api/v1/statuses/{post.id}", token)
    assert shown["poll"]["expired"] is True
