"""Q&A between two real Moot instances: a question asked in a group on A, answered by a member on B, accepted
on A by its author; B hears the Update (schema.org's acceptedAnswer and answerCount in the posts' context) and
shows the question as answered, with that answer first."""
from __future__ import annotations

from typing import Any

from models.moderation import ModLogEntry
from models.posts import Post
from models.queues import InboxItem, OutboundActivity
from tests.conftest import MootInstance, settle
from tests.groups.helpers import make_group

CONTEXT_TERMS = {"schema": "http://schema.org#",
                 "acceptedAnswer": {"@id": "schema:acceptedAnswer", "@type": "@id"},
                 "answerCount": "schema:answerCount"}


def _context_terms(doc: dict[str, Any]) -> dict[str, Any]:
    terms: dict[str, Any] = {}
    for item in doc["@context"] if isinstance(doc["@context"], list) else [doc["@context"]]:
        if isinstance(item, dict):
            terms.update(item)
    return terms


async def _updates_of(instance: MootInstance, question_uri: str) -> list[dict[str, Any]]:
    """The Updates of the question an instance's inbox received (as they came over the wire)."""
    instance.use()
    items = await InboxItem.filter(activity_id__not="").order_by("id").values_list("activity", flat=True)
    found = []
    for activity in items:
        inner = activity.get("object") if activity.get("type") == "Announce" else activity
        if isinstance(inner, dict) and inner.get("type") == "Update" and isinstance(inner.get("object"), dict) \
                and inner["object"].get("id") == question_uri:
            found.append(activity)
    return found


async def test_an_answer_from_another_instance_is_accepted_and_both_show_it(moot_factory) -> None:
    a = await moot_factory()
    b = await moot_factory()
    group, owner, owner_token, _ = await make_group(a, "askers")
    quinn, quinn_token = await a.user("quinn")
    status, _ = await a.api("POST", f"/api/moot/v1/groups/{group.id}/join", quinn_token)
    assert status == 200
    ann, ann_token = await b.user("ann")
    status, found = await b.api("GET", f"/api/v2/search?q=@askers@{a.host}&resolve=true", ann_token)
    remote_group_id = found["accounts"][0]["id"]
    status, _ = await b.api("POST", f"/api/moot/v1/groups/{remote_group_id}/join", ann_token)
    await settle(a, b)

    # quinn asks in the group on A.
    status, asked = await a.api("POST", f"/api/moot/v1/groups/{group.id}/posts", quinn_token,
                                json={"title": "How deep do I plant garlic?", "body": "Cloves from the market.",
                                      "is_question": True})
    assert status == 201 and asked["is_question"] is True and asked["accepted_answer_id"] is None, asked
    await settle(a, b)
    b.use()
    on_b = await Post.get(uri=asked["uri"])
    assert on_b.is_question and on_b.accepted_answer_id is None  # the Create's answerCount said so

    # ann answers from B; A admits the reply into the group.
    status, answer = await b.api("POST", "/api/v1/statuses", ann_token,
                                 json={"status": "Twice as deep as the clove is tall.", "in_reply_to_id": str(on_b.id)})
    assert status == 200, answer
    status, other = await b.api("POST", "/api/v1/statuses", ann_token,
                                json={"status": "Also: pointy end up!", "in_reply_to_id": str(on_b.id)})
    await settle(a, b)
    a.use()
    answer_on_a = await Post.get(uri=answer["uri"])
    assert answer_on_a.group_id == group.id

    # Another member may not choose; the asker does.
    status, _ = await a.api("POST", f"/api/moot/v1/posts/{answer_on_a.id}/accept", owner_token)
    assert status == 200  # the owner moderates the group: allowed (and logged), then quinn takes it back over
    status, body = await a.api("POST", f"/api/moot/v1/posts/{answer_on_a.id}/unaccept", quinn_token)
    assert status == 200 and body["accepted_answer_id"] is None
    status, body = await a.api("POST", f"/api/moot/v1/posts/{answer_on_a.id}/accept", quinn_token)
    assert status == 200, body
    assert body == {"id": asked["id"], "is_question": True, "accepted_answer_id": str(answer_on_a.id),
                    "answer_count": 2}

    # On the wire from A: quinn's own Update of the question (not the moderator's), relayed by the group.
    a.use()
    quinn_updates = [row.payload for row in await OutboundActivity.filter(actor=quinn, type="Update").order_by("id")]
    assert len(quinn_updates) == 3  # accepted by the owner, withdrawn, accepted by quinn
    update = quinn_updates[-1]
    assert update["actor"] == quinn.uri
    question_doc = update["object"]
    assert question_doc["type"] == "Page" and question_doc["id"] == asked["uri"]
    assert question_doc["acceptedAnswer"] == answer["uri"] and question_doc["answerCount"] == 2
    assert "updated" not in question_doc  # not an edit: Mastodon reads it as an implicit update
    assert CONTEXT_TERMS.items() <= _context_terms(update).items()
    assert "acceptedAnswer" not in quinn_updates[1]["object"] and quinn_updates[1]["object"]["answerCount"] == 2
    relayed = [row.payload for row in await OutboundActivity.filter(actor=group, type="Announce")
               if isinstance(row.payload["object"], dict) and row.payload["object"].get("id") == update["id"]]
    assert len(relayed) == 1

    await settle(a, b)
    # B received the Update as sent (directly from quinn, and in the group's Announce).
    received = await _updates_of(b, asked["uri"])
    # Deliveries may arrive in any order (B applies them by their `published`): find quinn's last one.
    inners = [item["object"] if item["type"] == "Announce" else item for item in received]
    inner = next((item for item in inners if item["id"] == update["id"]), None)
    assert inner is not None, "B never received quinn's last Update of the question"
    assert update["published"] > quinn_updates[1]["published"] > quinn_updates[0]["published"]
    assert inner["object"]["acceptedAnswer"] == answer["uri"] and inner["object"]["answerCount"] == 2
    assert CONTEXT_TERMS.items() <= _context_terms(inner).items()

    b.use()
    on_b = await Post.get(uri=asked["uri"])
    answer_on_b = await Post.get(uri=answer["uri"])
    assert on_b.is_question and on_b.accepted_answer_id == answer_on_b.id
    assert on_b.edited_at is None  # accepting an answer is not an edit of the question

    # B shows it answered, with the answer first: the thread API and the thread page.
    status, thread = await b.api("GET", f"/api/moot/v1/posts/{on_b.id}/thread", ann_token)
    assert status == 200
    assert thread["is_question"] is True and thread["accepted_answer_id"] == str(answer_on_b.id)
    assert thread["accepted_answer"]["uri"] == answer["uri"] and thread["accepted_answer"]["accepted"] is True
    assert [reply["uri"] for reply in thread["replies"]][0] == answer["uri"]
    assert thread["replies"][0]["accepted"] is True and "accepted" not in thread["replies"][1]
    status, status_json = await b.api("GET", f"/api/v1/statuses/{on_b.id}", ann_token)
    assert status_json["moot"] == {"is_question": True, "accepted_answer_id": str(answer_on_b.id)}
    async with b.session.get(f"{b.base_url}/threads/{on_b.id}") as response:
        page = await response.text()
    assert response.status == 200
    accepted_at = page.index('id="accepted-answer"')
    assert accepted_at < page.index('id="replies-heading"')
    assert "Twice as deep as the clove is tall." in page[accepted_at:page.index('id="replies-heading"')]
    assert "Also: pointy end up!" not in page[accepted_at:page.index('id="replies-heading"')]
    # On B the question came from elsewhere: nobody here may choose its answer.
    assert "Accept as answer" not in page and "Withdraw as answer" not in page
    status, refused = await b.api("POST", f"/api/moot/v1/posts/{answer_on_b.id}/unaccept", ann_token)
    assert status == 422 and "asked on another server" in refused["error"], refused

    # quinn withdraws it: B follows.
    status, body = await a.api("POST", f"/api/moot/v1/posts/{asked['id']}/unaccept", quinn_token)
    assert status == 200 and body["accepted_answer_id"] is None
    await settle(a, b)
    b.use()
    assert (await Post.get(uri=asked["uri"])).accepted_answer_id is None
    assert (await Post.get(uri=asked["uri"])).is_question


async def test_the_moderators_choice_is_logged_and_signed_by_the_asker(moot_factory) -> None:
    a = await moot_factory()
    group, owner, owner_token, _ = await make_group(a, "askers")
    quinn, quinn_token = await a.user("quinn")
    bob, bob_token = await a.user("bob")
    for token in (quinn_token, bob_token):
        await a.api("POST", f"/api/moot/v1/groups/{group.id}/join", token)
    status, asked = await a.api("POST", f"/api/moot/v1/groups/{group.id}/posts", quinn_token,
                                json={"title": "Which spade?", "is_question": True})
    status, reply = await a.api("POST", "/api/v1/statuses", bob_token,
                                json={"status": "A border spade.", "in_reply_to_id": asked["id"]})
    # A member who did not ask may not choose.
    status, refused = await a.api("POST", f"/api/moot/v1/posts/{reply['id']}/accept", bob_token)
    assert status == 403, refused
    status, _ = await a.api("POST", f"/api/moot/v1/posts/{reply['id']}/accept", owner_token)
    assert status == 200
    a.use()
    entry = await ModLogEntry.get(action="answer.accepted")
    assert entry.moderator_id == owner.id and entry.group_id == group.id and entry.target == reply["uri"]
    (update,) = [row for row in await OutboundActivity.filter(type="Update")]
    assert update.actor_id == quinn.id and update.payload["object"]["acceptedAnswer"] == reply["uri"]
    status, _ = await a.api("POST", f"/api/moot/v1/posts/{reply['id']}/unaccept", owner_token)
    assert await ModLogEntry.filter(action="answer.unaccepted", moderator=owner, target=reply["uri"]).exists()
    # The asker's own choices are not moderation: nothing more is logged.
    await a.api("POST", f"/api/moot/v1/posts/{reply['id']}/accept", quinn_token)
    assert await ModLogEntry.filter(action__startswith="answer.").count() == 2
    # The public modlog says it in a sentence, naming the reply.
    status, entries = await a.api("GET", "/api/moot/v1/modlog?group_id=askers")
    texts = [entry["text"] for entry in entries if entry["action"].startswith("answer.")]
    assert sorted(texts) == ["askers_owner accepted bob's reply as the answer in askers",
                             "askers_owner withdrew bob's reply as the accepted answer in askers"], texts
