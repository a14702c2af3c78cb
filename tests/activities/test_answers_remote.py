"""Q&A with servers that are not Moot: a remote author's Create and Update carrying schema.org's acceptedAnswer
and answerCount are applied (only from the question's author, and only naming a reply stored in that thread),
and a Mastodon-shaped follower still gets a plain Note, with an Update it reads as no edit."""
from __future__ import annotations

from typing import Any

from models.posts import Post
from models.queues import InboxItem
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote
from tests.groups.helpers import activity, deliver, lemmy_comment, lemmy_page, make_group, remote_member

SCHEMA = {"schema": "http://schema.org#", "acceptedAnswer": {"@id": "schema:acceptedAnswer", "@type": "@id"},
          "answerCount": "schema:answerCount"}


def update_of(actor: FakeActor, page: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """An Update{Page} by `actor` of the page document, with some fields changed (None removes one)."""
    obj = {**page, **changes}
    obj = {key: value for key, value in obj.items() if value is not None}
    return {**activity(actor, "Update", obj), "@context": [AS, SCHEMA], "to": page["to"], "cc": page["cc"]}


async def outcome_of(activity_id: str) -> str | None:
    item = await InboxItem.get(activity_id=activity_id)
    return item.outcome


async def test_a_remote_authors_question_and_its_accepted_answer(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner, owner_token, _ = await make_group(moot, "askers")
    rob, _ = await remote_member(moot, remote, group, "rob")
    sam, _ = await remote_member(moot, remote, group, "sam")
    mia, mia_token = await moot.user("mia")
    await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", mia_token)

    # rob asks (a Lemmy-shaped Page that carries answerCount); a plain Page stays a plain thread.
    create = lemmy_page(rob, group, title="Why are my leeks bolting?")
    create["@context"] = [AS, SCHEMA]
    create["object"]["answerCount"] = 0
    await deliver(moot, remote, rob, group, create)
    plain = lemmy_page(rob, group, title="Leek photos")
    await deliver(moot, remote, rob, group, plain)
    question = await Post.get(uri=create["object"]["id"])
    assert question.is_question and question.accepted_answer_id is None
    assert not (await Post.get(uri=plain["object"]["id"])).is_question
    page = create["object"]

    # Answers: mia's (local), sam's (remote), and a reply of sam's in another thread.
    status, mia_reply = await moot.api("POST", "/api/v1/statuses", mia_token,
                                       json={"status": "Too warm in spring.", "in_reply_to_id": str(question.id)})
    assert status == 200, mia_reply
    sams = lemmy_comment(sam, group, page["id"], "<p>Dry soil.</p>")
    await deliver(moot, remote, sam, group, sams)
    elsewhere = lemmy_comment(sam, group, plain["object"]["id"], "<p>Nice leeks.</p>")
    await deliver(moot, remote, sam, group, elsewhere)
    sam_reply = await Post.get(uri=sams["object"]["id"])

    # rob accepts mia's answer: the acceptedAnswer is an object with an id; the group relays the Update.
    update = update_of(rob, page, acceptedAnswer={"id": mia_reply["uri"], "type": "Note"}, answerCount=2)
    await deliver(moot, remote, rob, group, update)
    question = await Post.get(id=question.id)
    assert question.accepted_answer_id == int(mia_reply["id"]) and question.edited_at is None
    relayed = [r.body for r in remote.received if r.body.get("type") == "Announce"
               and isinstance(r.body["object"], dict) and r.body["object"].get("id") == update["id"]]
    assert relayed and relayed[0]["object"]["object"]["acceptedAnswer"]["id"] == mia_reply["uri"]
    status, thread = await moot.api("GET", f"/api/moot/v1/posts/{question.id}/thread")
    assert thread["accepted_answer_id"] == mia_reply["id"] and thread["replies"][0]["id"] == mia_reply["id"]

    # sam, on the same server but not the author, cannot change it (the Update is refused and nothing moves).
    forged = update_of(sam, page, acceptedAnswer=sam_reply.uri)
    await deliver(moot, remote, sam, group, forged)
    assert await outcome_of(forged["id"]) == "rejected"
    forged_as_rob = update_of(sam, page, attributedTo=sam.uri, acceptedAnswer=sam_reply.uri)
    await deliver(moot, remote, sam, group, forged_as_rob)
    assert await outcome_of(forged_as_rob["id"]) == "rejected"
    assert (await Post.get(id=question.id)).accepted_answer_id == int(mia_reply["id"])

    # A third server cannot even send it: intake refuses an Update of another server's object.
    other = await FakeRemote().start()
    try:
        eve = other.add_actor("eve")
        status, body = await other.send(eve, group.inbox, update_of(eve, page, acceptedAnswer=sam_reply.uri))
        assert status == 403, body
    finally:
        await other.close()
    assert (await Post.get(id=question.id)).accepted_answer_id == int(mia_reply["id"])

    # An acceptedAnswer we do not have is ignored, and not fetched; nor is a reply from another thread taken.
    unknown = sam.new_id("comment")
    remote.publish({"id": unknown, "type": "Note", "attributedTo": sam.uri, "inReplyTo": page["id"],
                    "content": "<p>Surprise</p>", "to": [PUBLIC]})
    await deliver(moot, remote, rob, group, update_of(rob, page, acceptedAnswer=unknown))
    assert unknown.replace(remote.base_url, "") not in remote.fetched
    await deliver(moot, remote, rob, group, update_of(rob, page, acceptedAnswer=elsewhere["object"]["id"]))
    assert (await Post.get(id=question.id)).accepted_answer_id == int(mia_reply["id"])

    # rob changes his mind (sam's answer), then withdraws it: acceptedAnswer absent clears it.
    await deliver(moot, remote, rob, group, update_of(rob, page, acceptedAnswer=sam_reply.uri))
    assert (await Post.get(id=question.id)).accepted_answer_id == sam_reply.id
    await deliver(moot, remote, rob, group, update_of(rob, page, answerCount=2))
    question = await Post.get(id=question.id)
    assert question.accepted_answer_id is None and question.is_question and question.edited_at is None
    # A real edit (a newer `updated`) still reads as one.
    await deliver(moot, remote, rob, group, update_of(rob, page, content="<p>Edited.</p>", answerCount=2,
                                                      updated="2026-11-21T09:00:00Z"))
    assert (await Post.get(id=question.id)).edited_at is not None

    # Here nobody chooses the answer of rob's question, not even the group's owner: rob's server does.
    status, refused = await moot.api("POST", f"/api/moot/v1/posts/{sam_reply.id}/accept", owner_token)
    assert status == 422 and "another server" in refused["error"]


async def test_a_mastodon_follower_gets_a_plain_note_and_an_update_it_reads_as_no_edit(
    moot: MootInstance, remote: FakeRemote
) -> None:
    lena, lena_token = await moot.user("lena")
    masto = remote.add_actor("masto")
    follow = activity(masto, "Follow", lena.uri)
    status, _ = await remote.send(masto, lena.inbox, follow)
    assert status == 202
    await moot.drain()

    status, asked = await moot.api("POST", "/api/v1/statuses", lena_token,
                                   json={"status": "Anyone know a good plumber?", "is_question": True})
    assert status == 200 and asked["moot"] == {"is_question": True, "accepted_answer_id": None}
    await moot.drain()
    (create,) = remote.activities("Create")
    assert create["object"]["type"] == "Note" and create["object"]["answerCount"] == 0
    assert "acceptedAnswer" not in create["object"]

    reply_id = masto.new_id("statuses")
    reply = {"@context": AS, "id": f"{reply_id}/activity", "type": "Create", "actor": masto.uri, "to": [PUBLIC],
             "cc": [masto.followers, lena.uri],
             "object": {"id": reply_id, "type": "Note", "attributedTo": masto.uri, "inReplyTo": asked["uri"],
                        "content": "<p>Ask Piet on the corner.</p>", "to": [PUBLIC], "cc": [masto.followers, lena.uri],
                        "published": "2026-11-20T12:00:00Z",
                        "tag": [{"type": "Mention", "href": lena.uri, "name": "@lena"}]}}
    status, _ = await remote.send(masto, lena.inbox, reply)
    assert status == 202
    await moot.drain()
    stored = await Post.get(uri=reply_id)

    status, body = await moot.api("POST", f"/api/moot/v1/posts/{stored.id}/accept", lena_token)
    assert status == 200 and body["accepted_answer_id"] == str(stored.id), body
    await moot.drain()
    (update,) = remote.activities("Update")
    received = [r for r in remote.received if r.body is update][0]
    assert received.verified and update["actor"] == lena.uri
    note = update["object"]
    # Still a plain Note: one type, a string, as Mastodon expects; no newer `updated`, so Mastodon keeps it as is.
    assert note["type"] == "Note" and note["id"] == asked["uri"] and "updated" not in note
    assert note["acceptedAnswer"] == reply_id and note["answerCount"] == 1
    terms: dict[str, Any] = {}
    for item in update["@context"]:
        if isinstance(item, dict):
            terms.update(item)
    assert SCHEMA.items() <= terms.items()
    # The document Mastodon would refetch says the same.
    status, doc = await moot.get_ap(asked["uri"])
    assert status == 200 and doc["type"] == "Note" and doc["acceptedAnswer"] == reply_id
