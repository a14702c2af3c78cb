"""Q&A canaries in the private group `vault`: mia's question, olga's answer and mia's acceptance of it.

No outsider may see the question, the answer, or which reply was accepted (thread API, status API, thread and
group pages with ?filter=unanswered, the question's ActivityPub document with its acceptedAnswer)."""
from __future__ import annotations

from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"


async def build(world: ActivityWorld) -> Canaries:
    moot, gid = world.moot, world.group.id
    status, question = await moot.api("POST", f"/api/moot/v1/groups/{gid}/posts", world.tokens["mia"],
                                      json={"title": f"{CANARY}-question-title", "body": f"{CANARY}-question-body",
                                            "is_question": True})
    assert status == 201, question
    status, answer = await moot.api("POST", "/api/v1/statuses", world.tokens["olga"],
                                    json={"status": f"{CANARY}-accepted-answer", "in_reply_to_id": question["id"]})
    assert status == 200, answer
    status, open_question = await moot.api("POST", f"/api/moot/v1/groups/{gid}/posts", world.tokens["mia"],
                                           json={"title": f"{CANARY}-unanswered-title", "is_question": True})
    assert status == 201, open_question
    status, accepted = await moot.api("POST", f"/api/moot/v1/posts/{answer['id']}/accept", world.tokens["mia"])
    assert status == 200 and accepted["accepted_answer_id"] == answer["id"], accepted
    return Canaries(post_ids=[int(question["id"]), int(answer["id"]), int(open_question["id"])],
                    strings=[f"{CANARY}-question-title", f"{CANARY}-accepted-answer", f"{CANARY}-unanswered-title"])
