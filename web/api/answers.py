"""/api/moot/v1: accepting a reply as a question's answer, and the accepted answer in the thread API.

POST /api/moot/v1/posts/{post_id}/accept     the reply's id: it becomes the answer of the question its thread starts
POST /api/moot/v1/posts/{post_id}/unaccept   the accepted reply's id, or the question's: no accepted answer any more
Both answer with the question: {"id", "is_question", "accepted_answer_id", "answer_count"}.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from federation import audience
from federation.actions import ActionError
from federation.activities.answers import accept_answer, unaccept_answer
from federation.activities.answers_shape import accepted_answer, answer_count, is_top_level, question_fields
from models.posts import Post
from web import app_keys as keys
from web.api.auth import require_actor
from web.api.group_lookup import http_error, post_from_path
from web.api.group_serializers import post as serialize_post


async def _question_json(question: Post) -> dict[str, Any]:
    return {"id": str(question.id), **await question_fields(question), "answer_count": await answer_count(question)}


async def accept(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    reply = await post_from_path(request)
    try:
        question = await accept_answer(request.app[keys.FEDERATION], actor, reply)
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(await _question_json(question))


async def unaccept(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    post = await post_from_path(request)
    try:
        question = await unaccept_answer(request.app[keys.FEDERATION], actor, post)
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(await _question_json(question))


def _mark(replies: list[dict[str, Any]], answer_id: str) -> bool:
    """Mark the accepted reply in place ("accepted": true) and bring the branch holding it to the front."""
    for index, reply in enumerate(replies):
        found = reply["id"] == answer_id or _mark(reply.get("replies") or [], answer_id)
        if reply["id"] == answer_id:
            reply["accepted"] = True
        if found:
            replies.insert(0, replies.pop(index))
            return True
    return False


async def mark_thread(body: dict[str, Any], root: Post, viewer: audience.Viewer) -> None:
    """The thread API's Q&A part: on a question, "is_question" and, when the viewer may see it, the accepted
    answer first ("accepted_answer", the reply's JSON) and marked in place among the replies."""
    if not root.is_question or not is_top_level(root):
        return
    body["is_question"] = True
    body["accepted_answer_id"] = None
    answer = await accepted_answer(root)
    if answer is None or not await audience.may_see_post(answer, viewer):
        return
    body["accepted_answer_id"] = str(answer.id)
    body["accepted_answer"] = {**await serialize_post(answer), "accepted": True}
    _mark(body.get("replies") or [], str(answer.id))


def setup(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/moot/v1/posts/{post_id}/accept", accept, name="api_answer_accept")
    r.add_post("/api/moot/v1/posts/{post_id}/unaccept", unaccept, name="api_answer_unaccept")
