"""Screening incoming posts: suspensions, content rules, limited domains and new-account heuristics.

A post is rejected (Rejected), held for a moderator (Held, after the HeldActivity is stored), or
accepted with adjustments (marked sensitive, media dropped, kept off public listings).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from federation import hot_cache
from federation.fetch import fetch_object
from federation.http import FetchError
from federation.instance_settings import get_setting
from federation.policy.rules import PostText, post_text, strongest
from federation.protocol.objects import ObjectDoc
from models.actors import Actor
from models.groups import APPROVED, HeldActivity
from models.moderation import RULE_HOLD, RULE_REJECT, RULE_SENSITIVE

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

NEW_ACCOUNT_HOURS = "new_account_hours"
DEFAULT_NEW_ACCOUNT_HOURS = 24


class Held(Exception):
    """The activity waits for a moderator; it is stored as a HeldActivity."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class Rejected(Exception):
    """The activity is refused by policy or rule; nothing is kept."""


@dataclass(frozen=True)
class Adjustments:
    sensitive: bool = False
    strip_media: bool = False
    limited: bool = False


async def is_approved(activity_id: str) -> bool:
    """A moderator approved this very activity: the holds it met before are lifted."""
    batch = hot_cache.current()
    if batch is not None:
        return batch.approved_here(activity_id)  # read for the whole batch at once
    return await HeldActivity.filter(activity_uri=activity_id, state=APPROVED).exists()


async def keep_for_review(
    group: Actor | None, author: Actor, activity: dict[str, Any], reason: str, detail: str = ""
) -> HeldActivity:
    held, _ = await HeldActivity.get_or_create(
        defaults={"group": group, "actor": author, "activity": activity, "reason": reason, "detail": detail},
        activity_uri=activity["id"],
    )
    return held


async def hold(group: Actor | None, author: Actor, activity: dict[str, Any], reason: str, detail: str = "") -> None:
    """Store the activity for review, then stop processing it."""
    await keep_for_review(group, author, activity, reason, detail)
    raise Held(reason, detail)


async def screen_post(
    ctx: "FederationContext", author: Actor, doc: ObjectDoc, activity: dict[str, Any], *,
    group: Actor | None, in_existing_thread: bool,
) -> Adjustments:
    await ctx.policies.refresh()
    verdict = ctx.policies.actor(author.uri, author.domain)
    if verdict.suspended:
        raise Rejected(f"{author.uri} is suspended")
    text = post_text(doc)  # parsed once: the rules and the new-account check both read it
    match = strongest(await ctx.rules.rules_for(group.id if group else None), text)
    if match is not None and match.action == RULE_REJECT:
        raise Rejected(f"refused by {match.description}")
    if not await is_approved(activity["id"]):
        if match is not None and match.action == RULE_HOLD:
            await hold(group, author, activity, "content rule", match.description)
        if verdict.limited and not in_existing_thread:
            await hold(group, author, activity, "limited", verdict.reason or f"{author.domain} is limited")
        if group is not None and not ctx.policies.trusted(author.uri):
            suspicion = await new_account_suspicion(ctx, author, doc, text)
            if suspicion:
                await hold(group, author, activity, "new account", suspicion)
    return Adjustments(
        sensitive=match is not None and match.action == RULE_SENSITIVE,
        strip_media=verdict.reject_media,
        limited=verdict.limited,
    )


async def new_account_suspicion(
    ctx: "FederationContext", author: Actor, doc: ObjectDoc, text: PostText | None = None,
) -> str | None:
    """Links posted into a group by an account first seen moments ago, or with no followers."""
    if not (text if text is not None else post_text(doc)).link_domains:
        return None
    hours = int(await get_setting(NEW_ACCOUNT_HOURS, DEFAULT_NEW_ACCOUNT_HOURS))
    if hours <= 0:
        return None  # the heuristic is switched off
    if datetime.now(timezone.utc) - author.created_at < timedelta(hours=hours):
        return f"first seen less than {hours} hours ago, posting links"
    if await _followers_count(ctx, author) == 0:
        return "no followers, posting links"
    return None


async def _followers_count(ctx: "FederationContext", author: Actor) -> int | None:
    if author.followers_count is not None or not author.followers_url:
        return author.followers_count
    try:
        collection = await fetch_object(ctx, author.followers_url)
    except FetchError as exc:
        log.info("followers of %s unknown: %s", author.uri, exc)
        return None
    total = collection.get("totalItems")
    if isinstance(total, int) and total >= 0:
        await Actor.filter(id=author.id).update(followers_count=total)
        return total
    return None
