"""Reading polls as other servers send them: a Question's options and counts, and a vote's choice. Pure.

Mastodon's reading (app/lib/activitypub/parser/poll_parser.rb): the options are `anyOf` (several choices)
or `oneOf`, each titled by `name` (else `content`), counted by `replies.totalItems`; `closed` is a time, or
any other true value meaning now; else the poll ends at `endTime`; `votersCount` may be missing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from federation.protocol.common import first_text, has_type, parse_datetime

QUESTION_TYPES = frozenset({"Question"})
# Bounds on what another server may make us store.
MAX_REMOTE_OPTIONS = 20
MAX_REMOTE_TITLE = 200
MAX_COUNT = 10**9


@dataclass(frozen=True)
class QuestionDoc:
    options: tuple[str, ...]
    counts: tuple[int, ...]
    multiple: bool
    end_time: datetime | None
    closed: datetime | None  # when it closed, if its server says it did
    voters_count: int | None

    @property
    def expires_at(self) -> datetime | None:
        return self.closed or self.end_time


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return 0
    return min(value, MAX_COUNT)


def _title(item: dict[str, Any]) -> str | None:
    title = first_text(item.get("name")) or first_text(item.get("nameMap")) or first_text(item.get("content"))
    if title is None:
        return None
    title = " ".join(title.split())
    return title[:MAX_REMOTE_TITLE] or None


def parse_question(raw: Any, now: datetime) -> QuestionDoc | None:
    """The poll of a Question, or None when `raw` is not a Question with a list of options."""
    if not has_type(raw, QUESTION_TYPES):
        return None
    multiple = isinstance(raw.get("anyOf"), list)
    items = raw.get("anyOf") if multiple else raw.get("oneOf")
    if not isinstance(items, list):
        return None
    options: list[str] = []
    counts: list[int] = []
    for item in items:
        if len(options) >= MAX_REMOTE_OPTIONS:
            break
        title = _title(item) if isinstance(item, dict) else None
        if title is None:
            continue
        replies = item.get("replies")
        options.append(title)
        counts.append(_count(replies.get("totalItems")) if isinstance(replies, dict) else 0)
    if not options:
        return None
    closed_value = raw.get("closed")
    if isinstance(closed_value, str):
        closed = parse_datetime(closed_value) or now
    elif closed_value is not None and closed_value is not False:
        closed = now
    else:
        closed = None
    voters = raw.get("votersCount")
    return QuestionDoc(
        options=tuple(options),
        counts=tuple(counts),
        multiple=multiple,
        end_time=parse_datetime(raw.get("endTime")),
        closed=closed,
        voters_count=_count(voters) if voters is not None else None,
    )


def vote_name(object_type: str, name: str | None, in_reply_to: str | None) -> str | None:
    """The option a Note names when it may be a vote (Mastodon's: a Note with `name` and `inReplyTo`, no
    content); whether it is one depends on the post it answers having a poll with that option."""
    if object_type != "Note" or not name or not in_reply_to:
        return None
    return name
