"""The group's activities: poll participation (voters per member), event attendance (participants per seat)
and check-in rates (check-ins per member, per day)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tortoise.expressions import Subquery
from tortoise.functions import Count

from federation.content import html_to_text
from federation.group_insights.days import day_start
from models.events import PARTICIPANT, Event, EventParticipant
from models.polls import Poll
from models.posts import Post

MAX_ROWS = 20
TITLE_LENGTH = 80


def _title(name: str | None, content: str) -> str:
    text = (name or html_to_text(content or "")).strip()
    return text if len(text) <= TITLE_LENGTH else text[:TITLE_LENGTH - 1].rstrip() + "…"


def _share(part: int, whole: int | None) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class PollRow:
    post_id: int
    title: str
    published: datetime
    voters: int
    participation: float | None  # voters / members now


@dataclass(frozen=True)
class EventRow:
    post_id: int
    title: str
    starts_at: datetime
    participants: int
    capacity: int | None
    attendance: float | None  # participants / capacity


async def polls(group_id: int, first: date, members: int) -> list[PollRow]:
    # The group's posts that have a poll: the group's index on published, each id looked up among the polls'.
    ids = await (Post.filter(group_id=group_id, published__gte=day_start(first),
                             id__in=Subquery(Poll.all().values("post_id")))
                 .order_by("-published").limit(MAX_ROWS * 2).values_list("id", flat=True))
    posts = await (Post.filter(id__in=list(ids), deleted_at__isnull=True).order_by("-published").limit(MAX_ROWS)
                   .values_list("id", "name", "content", "published"))
    voters = dict(await Poll.filter(post_id__in=[row[0] for row in posts]).values_list("post_id", "voters_count"))
    return [PollRow(post_id, _title(name, content), published, voters[post_id], _share(voters[post_id], members))
            for post_id, name, content, published in posts if post_id in voters]


async def events(group_id: int, first: date, last: date) -> list[EventRow]:
    # The events starting in the period (the index on starts_at), then those of the group.
    rows = await (Event.filter(starts_at__gte=day_start(first), starts_at__lt=day_start(last + timedelta(days=1)))
                  .order_by("starts_at")
                  .values_list("id", "post_id", "starts_at", "capacity", "participant_count"))
    posts = {row[0]: row[1:] for row in await Post.filter(
        id__in=[row[1] for row in rows], group_id=group_id, deleted_at__isnull=True,
    ).values_list("id", "name", "content", "is_local")}
    rows = [row for row in rows if row[1] in posts][:MAX_ROWS]
    seats = dict(await EventParticipant.filter(event_id__in=[row[0] for row in rows], state=PARTICIPANT)
                 .annotate(n=Count("id")).group_by("event_id").values_list("event_id", "n"))
    result = []
    for event_id, post_id, starts, capacity, remote_count in rows:
        name, content, is_local = posts[post_id]
        taken = seats.get(event_id, 0) if is_local else remote_count
        result.append(EventRow(post_id, _title(name, content), starts, taken, capacity, _share(taken, capacity)))
    return result
