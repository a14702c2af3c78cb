"""A post's ActivityPub document with what its activity adds: a poll's options and counts (Question), an
event's time and place (Event), a question's accepted answer. render.render_post stays pure; the
extensions here read what they need and return the fields to add."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from federation import render
from federation.activities.answers_shape import question_document
from federation.activities.events import event_fields
from federation.activities.polls import question_fields as poll_fields
from models.posts import Post

# An extension returns the fields to add to (or replace in) the post's document; {} when it has none.
Extension = Callable[[Post], Awaitable[dict[str, Any]]]

EXTENSIONS: list[Extension] = [
    # Filled by the activities (polls, events, answers).
    question_document,  # Q&A: answerCount and acceptedAnswer on a question
    event_fields,  # events: startTime, location, joinMode, counts... as Mobilizon writes them
    poll_fields,  # polls: a Question's oneOf/anyOf, endTime, closed, votersCount
]


async def post_document(post: Post, author_uri: str, audience: str | None = None) -> dict[str, Any]:
    doc = render.render_post(post, author_uri, audience=audience)
    for extension in EXTENSIONS:
        doc.update(await extension(post))
    return doc
