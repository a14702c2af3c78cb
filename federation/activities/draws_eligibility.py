"""Who may win a draw: the rules a draw is made with (checked when it is created) and the eligible people at the
deadline, as sorted actor URIs (federation/activities/draw_algorithm.py draws among them).

The rules:
- `engaged`: people who replied to the draw post (a direct reply, kept, admitted into the group) or liked it,
  before the deadline;
- `attendees`: people with a seat (EventParticipant PARTICIPANT) at an event of this group (its post is in the
  group) or of this page (the page posted it);
- `checkins`: people with at least N check-ins of one of this group's check-in series, on days from `since` to
  `until` (both included).
Whatever the rule, in a group only its current members may win (an accepted follow, no ban in force), on a page
its followers (an accepted follow); the person who made the draw, and the group or page itself, never win.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.expressions import Q, Subquery

from federation.actions.statuses import ActionError
from federation.activities.draw_algorithm import sorted_eligible
from federation.groups.access import unexpired
from federation.vocab import APPLICATION, GROUP, SERVICE
from models.actors import Actor
from models.checkins import Checkin, CheckinSeries
from models.draws import (
    ELIGIBILITY, ELIGIBLE_ATTENDEES, ELIGIBLE_CHECKINS, ELIGIBLE_REPLIED_OR_LIKED, Draw,
)
from models.events import PARTICIPANT, Event, EventParticipant
from models.follows import ACCEPTED, Follow
from models.groups import GroupBan
from models.posts import LIKE, Interaction, Post

MAX_PRIZE = 200
MAX_DESCRIPTION = 2000
MAX_WINNERS = 100
MIN_LEAD = timedelta(minutes=1)
MAX_LEAD = timedelta(days=366)
MAX_PERIOD = timedelta(days=366)
MAX_CHECKINS = 366


@dataclass(frozen=True)
class DrawSpec:
    """A draw as its organiser asks for it (the API and the form fill it in)."""

    prize: str
    winners_count: int
    deadline: datetime
    eligibility: str = ELIGIBLE_REPLIED_OR_LIKED
    event_id: int | None = None
    series_id: int | None = None
    min_checkins: int | None = None
    since: date | None = None
    until: date | None = None
    description: str = ""


@dataclass(frozen=True)
class Rule:
    """A checked rule: what the draw stores as `eligibility_params`, and what its post says about it."""

    params: dict[str, Any]
    event: Event | None = None
    series: CheckinSeries | None = None


def is_group(host: Actor) -> bool:
    return host.type == GROUP


async def check_spec(spec: DrawSpec, host: Actor, now: datetime) -> Rule:
    """The spec's faults as ActionError (422), in the order a form shows them; else the rule to store."""
    if not spec.prize.strip():
        raise ActionError("Say what the prize is.")
    if len(spec.prize) > MAX_PRIZE:
        raise ActionError("The prize can be at most 200 characters long.")
    if len(spec.description) > MAX_DESCRIPTION:
        raise ActionError("The description can be at most 2000 characters long.")
    if not 1 <= spec.winners_count <= MAX_WINNERS:
        raise ActionError("The number of winners must be a whole number from 1 to 100.")
    if spec.deadline < now + MIN_LEAD:
        raise ActionError("The deadline must be in the future.")
    if spec.deadline > now + MAX_LEAD:
        raise ActionError("The deadline can be at most a year away.")
    if spec.eligibility not in ELIGIBILITY:
        raise ActionError("Choose who can win.")
    if spec.eligibility == ELIGIBLE_ATTENDEES:
        event = await _host_event(host, spec.event_id)
        return Rule({"event_id": event.id}, event=event)
    if spec.eligibility == ELIGIBLE_CHECKINS:
        return await _checkin_rule(spec, host)
    return Rule({})


async def _host_event(host: Actor, event_id: int | None) -> Event:
    query = Event.filter(id=event_id or 0, post__deleted_at=None)
    query = query.filter(post__group_id=host.id) if is_group(host) else query.filter(post__author_id=host.id)
    event = await query.prefetch_related("post").first()
    if event is None:
        raise ActionError("Choose an event of this group." if is_group(host) else "Choose an event of this page.")
    return event


async def _checkin_rule(spec: DrawSpec, host: Actor) -> Rule:
    if not is_group(host):
        raise ActionError("Check-ins belong to groups: a page cannot draw among them.")
    series = await CheckinSeries.filter(id=spec.series_id or 0, group_id=host.id).first()
    if series is None:
        raise ActionError("Choose a check-in series of this group.")
    if spec.min_checkins is None or not 1 <= spec.min_checkins <= MAX_CHECKINS:
        raise ActionError("The number of check-ins must be a whole number from 1 to 366.")
    if spec.since is None or spec.until is None or spec.since > spec.until:
        raise ActionError("The period needs a first and a last day, the first not after the last.")
    if spec.until - spec.since > MAX_PERIOD:
        raise ActionError("The period can be at most a year long.")
    params = {"series_id": series.id, "min_checkins": spec.min_checkins, "since": spec.since.isoformat(),
              "until": spec.until.isoformat()}
    return Rule(params, series=series)


# --- at the deadline ------------------------------------------------------------------------------


def _param_int(params: Any, key: str) -> int:
    value = params.get(key) if isinstance(params, dict) else None
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else 0


def _param_date(params: Any, key: str) -> date | None:
    value = params.get(key) if isinstance(params, dict) else None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


async def _candidates(draw: Draw, host: Actor) -> Q | None:
    """The people the draw's rule names, before membership; None when the rule names nobody."""
    params = draw.eligibility_params
    if draw.eligibility == ELIGIBLE_ATTENDEES:
        seats = EventParticipant.filter(event_id=_param_int(params, "event_id"), state=PARTICIPANT)
        return Q(id__in=Subquery(seats.values("actor_id")))
    if draw.eligibility == ELIGIBLE_CHECKINS:
        since, until = _param_date(params, "since"), _param_date(params, "until")
        if since is None or until is None:
            return None
        days = await Checkin.filter(series_id=_param_int(params, "series_id"), day__gte=since, day__lte=until) \
            .values_list("actor_id", flat=True)
        minimum = max(_param_int(params, "min_checkins"), 1)
        ids = [actor_id for actor_id, count in Counter(days).items() if count >= minimum]
        return Q(id__in=ids) if ids else None
    if draw.post_id is None:
        return None
    replies = Post.filter(in_reply_to_id=draw.post_id, deleted_at=None, removed_at=None,
                          created_at__lte=draw.deadline)
    if is_group(host):
        replies = replies.filter(group_id=host.id)  # admitted into the group, not held
    likes = Interaction.filter(post_id=draw.post_id, kind=LIKE, created_at__lte=draw.deadline)
    return Q(id__in=Subquery(replies.values("author_id"))) | Q(id__in=Subquery(likes.values("actor_id")))


async def eligible_uris(draw: Draw, host: Actor) -> list[str]:
    """The eligible people now, as sorted actor URIs."""
    candidates = await _candidates(draw, host)
    if candidates is None:
        return []
    members = Follow.filter(target_id=host.id, state=ACCEPTED).values("follower_id")
    query = Actor.filter(candidates, Q(id__in=Subquery(members)), deleted_at=None).exclude(type=APPLICATION)
    never = [host.id] + ([draw.created_by_id] if draw.created_by_id else [])
    query = query.exclude(id__in=never)
    if is_group(host):
        banned = GroupBan.filter(unexpired(), group_id=host.id).values("actor_id")
        query = query.exclude(id__in=Subquery(banned))
    return sorted_eligible(await query.values_list("uri", flat=True))


def runs_draws(host: Actor) -> bool:
    """Draws are held by local groups and local pages."""
    return host.is_local and host.deleted_at is None and host.type in (GROUP, SERVICE)
