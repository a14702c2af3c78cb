"""Join questions and rules: a Mastodon-shaped person on another server follows a private group with questions,
gets them as a direct message, answers by replying, and the moderator reads the answers beside the request
(page and API); a local person answers in the join form and must tick the rules; new members are welcomed."""
from __future__ import annotations

from typing import Any

from models.actors import Actor, LocalUser
from models.follows import ACCEPTED, PENDING, Follow
from models.joining import JoinAnswer, MemberWelcome
from models.posts import Post
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote
from tests.groups.helpers import join, make_group
from tests.web.browser import FormClient
from web.passwords import hash_password

PASSWORD = "correct horse battery"
QUESTIONS = ["Where do you garden?", "What do you grow?"]
WELCOME = "Glad you are here! Introduce yourself in the weekly thread."


async def signed_in(moot: MootInstance, actor: Actor) -> FormClient:
    moot.use()
    await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
    client = FormClient(moot.base_url)
    page = await client.submit("/login", "/login", {"username": actor.local_name, "password": PASSWORD})
    assert "Sign out" in page.text
    return client


async def private_group(moot: MootInstance) -> tuple[Actor, Actor, str]:
    await moot.user("siteadmin", is_admin=True)
    group, owner, token, _ = await make_group(moot, "growers", private=True, rules="Be kind\nNo selling")
    status, body = await moot.api("PATCH", f"/api/moot/v1/groups/{group.id}", token, json={
        "join_questions": QUESTIONS, "require_rules": True, "welcome_message": WELCOME})
    assert status == 200, body
    status, body = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/joining")
    assert status == 200 and body["join_questions"] == QUESTIONS and body["require_rules"] and body["asks_questions"]
    return await Actor.get(id=group.id), owner, token


def addressed(doc: dict[str, Any]) -> list[str]:
    return [*doc.get("to", []), *doc.get("cc", []), *doc.get("bto", []), *doc.get("bcc", [])]


def reply_to(actor: FakeActor, group: Actor, in_reply_to: str, text: str) -> dict[str, Any]:
    """A direct reply shaped like Mastodon's: to the mentioned group only, a Mention tag, the mention in the text."""
    note_id = actor.new_id("statuses")
    mention = f'<span class="h-card"><a href="{group.uri}" class="u-url mention">@<span>{group.username}</span></a></span>'
    return {
        "@context": AS, "id": f"{note_id}/activity", "type": "Create", "actor": actor.uri, "to": [group.uri], "cc": [],
        "object": {"id": note_id, "type": "Note", "attributedTo": actor.uri, "inReplyTo": in_reply_to,
                   "to": [group.uri], "cc": [], "content": f"<p>{mention} {text}</p>",
                   "tag": [{"type": "Mention", "href": group.uri, "name": f"@{group.username}@{group.domain}"}],
                   "published": "2026-11-20T12:00:00Z"},
    }


async def test_a_remote_person_answers_the_questions_by_direct_message(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner, token = await private_group(moot)
    alice, mallory = remote.add_actor("alice"), remote.add_actor("mallory")
    await join(remote, alice, group)
    await moot.drain()

    # The questions arrive as a direct message from the group: to alice only, a Mention of her, no Public.
    (create,) = [a for a in remote.activities("Create") if a["actor"] == group.uri]
    note = create["object"]
    assert create["to"] == [alice.uri] and note["to"] == [alice.uri]
    assert PUBLIC not in addressed(create) + addressed(note) and not note.get("cc")
    assert group.followers_url not in addressed(create) + addressed(note)
    assert note["type"] == "Note" and note["attributedTo"] == group.uri
    assert note["tag"] == [{"type": "Mention", "href": alice.uri, "name": f"@alice@{remote.host}"}]
    assert "<li>Where do you garden?</li><li>What do you grow?</li>" in note["content"]
    assert f"{moot.base_url}/groups/growers/join" in note["content"]
    assert await Follow.filter(target=group, follower__uri=alice.uri, state=PENDING).exists()

    # Someone else's reply to that message counts for nothing; alice's is her answers, never a post.
    status, _ = await remote.send(mallory, group.inbox, reply_to(mallory, group, note["id"], "1. Nowhere"))
    assert status == 202
    await moot.drain()
    answer = await JoinAnswer.get(group=group, actor__uri=alice.uri)
    assert answer.answered_at is None and answer.answers == []
    reply = reply_to(alice, group, note["id"], "1. In my backyard<br>2. Tomatoes and beans")
    status, _ = await remote.send(alice, group.inbox, reply)
    assert status == 202
    await moot.drain()
    assert not await Post.filter(uri__in=[reply["object"]["id"], note["id"]]).exists()
    answer = await JoinAnswer.get(id=answer.id)
    assert answer.answers == ["In my backyard", "Tomatoes and beans"] and answer.agreed_rules

    # The moderator reads them beside the request: in the API and on the queue page.
    status, body = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/requests", token)
    assert status == 200, body
    (request,) = body
    assert request["acct"].startswith("alice") and request["join_answers"]["questions"] == QUESTIONS
    assert request["join_answers"]["answers"] == ["In my backyard", "Tomatoes and beans"]
    assert request["join_answers"]["source"] == "dm" and request["join_answers"]["agreed_rules"] is True
    browser = await signed_in(moot, owner)
    try:
        page = await browser.get("/moderation/groups/growers")
        assert page.status == 200
        row = page.text.split('id="request-', 1)[1].split("</li>", 1)[0]
        assert "Where do you garden?" in row and "In my backyard" in row and "Agreed to the rules" in row
    finally:
        await browser.close()

    # Approved: the Accept, then the welcome as a direct message pointing at the essentials.
    alice_id = (await Actor.get(uri=alice.uri)).id
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/requests/{alice_id}/approve", token)
    assert status == 200 and body["state"] == "member", body
    await moot.drain()
    assert remote.activities("Accept")
    welcome = [a for a in remote.activities("Create") if a["actor"] == group.uri][-1]
    assert welcome["id"] != create["id"] and welcome["to"] == [alice.uri]
    assert PUBLIC not in addressed(welcome) + addressed(welcome["object"])
    assert "Introduce yourself" in welcome["object"]["content"]
    assert f"{moot.base_url}/groups/growers/essentials" in welcome["object"]["content"]

    # Too late now: a second reply changes nothing.
    status, _ = await remote.send(alice, group.inbox, reply_to(alice, group, note["id"], "1. Changed"))
    await moot.drain()
    assert (await JoinAnswer.get(id=answer.id)).answers == ["In my backyard", "Tomatoes and beans"]


async def test_a_local_person_answers_in_the_join_form_and_ticks_the_rules(moot: MootInstance) -> None:
    group, owner, token = await private_group(moot)
    mia, mia_token = await moot.user("mia")
    browser = await signed_in(moot, mia)
    try:
        # The Join button leads to the form; the form shows the questions and the rules.
        page = await browser.submit("/groups/growers", f"/actors/{group.id}/follow", {"next": "/groups/growers"})
        assert page.url.endswith("/groups/growers/join") and page.status == 200
        assert "Where do you garden?" in page.text and "No selling" in page.text and 'name="agree"' in page.text
        assert not await Follow.filter(follower=mia, target=group).exists()

        answers = {"answer1": "On my balcony", "answer2": "Herbs"}
        page = await browser.submit("/groups/growers/join", "/groups/growers/join", answers)
        assert page.status == 422 and "agree to the group&#39;s rules" in page.text and "On my balcony" in page.text
        page = await browser.submit("/groups/growers/join", "/groups/growers/join", {"answer1": "x", "agree": "1"})
        assert page.status == 422 and "Answer every question" in page.text
        assert not await Follow.filter(follower=mia, target=group).exists()
        page = await browser.submit("/groups/growers/join", "/groups/growers/join", {**answers, "agree": "1"})
        assert page.status == 200 and page.url.endswith("/groups/growers?notice=requested")
        answer = await JoinAnswer.get(group=group, actor=mia)
        assert answer.answers == ["On my balcony", "Herbs"] and answer.agreed_rules and answer.source == "form"

        # The API refuses a join without the rules agreed, and shows the answers on the request.
        kai, kai_token = await moot.user("kai")
        status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", kai_token,
                                      json={"answers": ["Allotment", "Leeks"]})
        assert status == 422 and "rules" in body["error"]
        status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", kai_token,
                                      json={"answers": ["Allotment", "Leeks"], "agree_rules": True})
        assert status == 200 and body["state"] == "pending"
        status, body = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/requests", token)
        assert [r["join_answers"]["answers"] for r in body] == [["On my balcony", "Herbs"], ["Allotment", "Leeks"]]

        # Approved: mia sees the welcome on the group page once.
        status, _ = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/requests/{mia.id}/approve", token)
        assert status == 200 and await MemberWelcome.filter(group=group, actor=mia).exists()
        page = await browser.get("/groups/growers")
        assert "Introduce yourself in the weekly thread" in page.text and "/groups/growers/essentials" in page.text
        page = await browser.get("/groups/growers")
        assert "Introduce yourself in the weekly thread" not in page.text
    finally:
        await browser.close()


async def test_a_public_group_asks_no_questions_but_its_rules_are_agreed(moot: MootInstance, remote: FakeRemote) -> None:
    await moot.user("siteadmin", is_admin=True)
    group, owner, token, _ = await make_group(moot, "commons", rules="Be kind")
    status, body = await moot.api("PATCH", f"/api/moot/v1/groups/{group.id}/joining", token, json={
        "join_questions": ["Why?"], "require_rules": True, "welcome_message": WELCOME})
    assert status == 200 and body["asks_questions"] is False, body
    status, body = await moot.api("PATCH", f"/api/moot/v1/groups/{group.id}/joining", token,
                                  json={"join_questions": ["a", "b", "c", "d"]})
    assert status == 422
    _, ned_token = await moot.user("ned")
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", ned_token, json={})
    assert status == 422
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", ned_token, json={"agree_rules": True})
    assert status == 200 and body["state"] == "member"
    # A remote follower joins at once: no questions, only the welcome.
    zoe = remote.add_actor("zoe")
    await join(remote, zoe, group)
    await moot.drain()
    assert await Follow.filter(target=group, follower__uri=zoe.uri, state=ACCEPTED).exists()
    (welcome,) = [a for a in remote.activities("Create") if a["actor"] == group.uri]
    assert welcome["to"] == [zoe.uri] and "Introduce yourself" in welcome["object"]["content"]
    assert "<li>" not in welcome["object"]["content"]
