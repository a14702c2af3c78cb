"""Reading draws: a draw is visible exactly to those who may see its post (federation/audience.py), on the pages,
the API and the audit list alike; a hidden draw is missing, like one that never was."""
from __future__ import annotations

from typing import Any

from tortoise.expressions import Subquery

from federation import audience
from federation.activities.draw_algorithm import ALGORITHM_VERSION, eligible_digest
from federation.activities.draws_text import HOW_TO_VERIFY, audit_path
from federation.render import iso
from models.actors import Actor
from models.checkins import CheckinSeries
from models.draws import ELIGIBLE_ATTENDEES, ELIGIBLE_CHECKINS, OPEN, Draw
from models.events import Event
from models.posts import Post


def _visible_post_ids(viewer: audience.Viewer) -> Subquery:
    return Subquery(Post.filter(audience.visible_posts(viewer)).values("id"))


async def visible_draw(raw_id: str, viewer: audience.Viewer) -> Draw | None:
    """The draw a path names, if the viewer may see its post; None otherwise."""
    if not raw_id.isdigit() or len(raw_id) > 18:
        return None
    return await Draw.filter(id=int(raw_id), post_id__in=_visible_post_ids(viewer)).first()


async def visible_draws(host: Actor, viewer: audience.Viewer, *, open_only: bool | None = None,
                        limit: int = 50) -> list[Draw]:
    """A group's or page's draws the viewer may see, newest first (open ones only, finished ones only, or all)."""
    query = Draw.filter(host_id=host.id, post_id__in=_visible_post_ids(viewer))
    if open_only is True:
        query = query.filter(state=OPEN)
    elif open_only is False:
        query = query.exclude(state=OPEN)
    return await query.order_by("-deadline" if open_only is False else "deadline", "-id").limit(limit) \
        .prefetch_related("post")


async def draw_for_post(post: Post) -> Draw | None:
    """The draw a post announces (the caller showed the post, so the viewer may see it)."""
    return await Draw.filter(post_id=post.id).first()


async def rule_objects(draw: Draw, viewer: audience.Viewer) -> tuple[Event | None, CheckinSeries | None]:
    """The event or check-in series a draw's rule names, when the viewer may see it."""
    params = draw.eligibility_params if isinstance(draw.eligibility_params, dict) else {}
    if draw.eligibility == ELIGIBLE_ATTENDEES and isinstance(params.get("event_id"), int):
        event = await Event.filter(id=params["event_id"]).prefetch_related("post").first()
        if event is not None and await audience.may_see_post(event.post, viewer):
            return event, None
    if draw.eligibility == ELIGIBLE_CHECKINS and isinstance(params.get("series_id"), int):
        return None, await CheckinSeries.filter(id=params["series_id"], group_id=draw.host_id).first()
    return None, None


def revealed(draw: Draw) -> bool:
    """The seed and the eligible list are public once the draw is made or cancelled."""
    return draw.state != OPEN


def audit_document(draw: Draw, base_url: str, post_uri: str | None) -> dict[str, Any]:
    """/draws/{id}/audit.json: everything needed to recompute the draw (docs/draws.md)."""
    shown = revealed(draw)
    eligible = list(draw.eligible or []) if shown else None
    return {
        "draw_id": str(draw.id),
        "post": post_uri,
        "prize": draw.prize,
        "state": draw.state,
        "winners_count": draw.winners_count,
        "deadline": iso(draw.deadline),
        "commitment": draw.commitment,
        "seed": draw.seed_hex if shown else None,
        "eligible_count": len(eligible) if eligible is not None else None,
        "eligible_sha256": eligible_digest(eligible) if eligible is not None else None,
        "eligible": eligible,
        "winners": list(draw.winners or []),
        "drawn_at": iso(draw.drawn_at),
        "cancelled_at": iso(draw.cancelled_at),
        "algorithm": {"version": ALGORITHM_VERSION, "how_to_verify": base_url + HOW_TO_VERIFY},
        "url": base_url + audit_path(draw.id),
    }
