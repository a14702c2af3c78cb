"""Admission of posts into a local group: accept and relay, hold for a moderator, or reject."""
from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from tortoise.transactions import in_transaction

from federation.activities.checkins_replies import record_reply as record_checkin_reply
from federation import hot_cache
from federation.groups import relay
from federation.threads import post_by_uri, thread_root  # noqa: F401  (its callers import thread_root from here)
from federation.groups.access import active_ban, active_mute, is_member, is_moderator
from federation.policy.screening import Adjustments, Rejected, hold, is_approved
from federation.protocol.objects import ObjectDoc
from federation.vocab import is_public
from federation.remote_posts import store_remote_post
from models.actors import Actor
from models.groups import ACCEPT, HOLD, REJECT, GroupProfile
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    action: str  # ACCEPT, HOLD or REJECT
    reason: str


ACCEPTED = Decision(ACCEPT, "accepted")


async def decide(group: Actor, author: Actor, parent: Post | None, approved: bool = False) -> Decision:
    """The group's rules, in order: bans, locks, mods-only posting, membership, mutes.

    A post a moderator approved passes the holds it met (membership, mute), not the refusals.
    In a batch (federation/hot_cache.py) the group's facts are read once for all the batch's senders.
    """
    batch = hot_cache.current()
    facts = await batch.facts(group) if batch is not None else None
    if facts is not None and author.id in facts.actor_ids:
        return await _decide_from(facts, group, author, parent, approved)
    ban = await active_ban(group, author)
    if ban is not None:
        return Decision(REJECT, f"banned from this group{': ' + ban.reason if ban.reason else ''}")
    moderator = await is_moderator(group, author)
    if parent is not None and (await thread_root(parent)).locked_at is not None and not moderator:
        return Decision(REJECT, "this thread is locked")
    if group.posting_restricted_to_mods and parent is None and not moderator:
        return Decision(REJECT, "only moderators may start threads in this group")
    if not moderator and not await is_member(group, author):
        profile = await GroupProfile.get(group=group)
        if profile.non_member_posts == REJECT:
            return Decision(REJECT, "only members may post in this group")
        if profile.non_member_posts == HOLD and not approved:
            return Decision(HOLD, "not a member")
    if not approved and await active_mute(group, author) is not None:
        return Decision(HOLD, "muted member")
    return ACCEPTED


async def _decide_from(facts: hot_cache.GroupFacts, group: Actor, author: Actor, parent: Post | None,
                       approved: bool) -> Decision:
    """decide(), the same rules in the same order, from the facts a batch read once."""
    ban = facts.bans.get(author.id)
    if ban is not None:
        return Decision(REJECT, f"banned from this group{': ' + ban.reason if ban.reason else ''}")
    moderator = author.id in facts.moderators
    if parent is not None and (await thread_root(parent)).locked_at is not None and not moderator:
        return Decision(REJECT, "this thread is locked")
    if group.posting_restricted_to_mods and parent is None and not moderator:
        return Decision(REJECT, "only moderators may start threads in this group")
    if not moderator and author.id not in facts.members:
        profile = facts.profile if facts.profile is not None else await GroupProfile.get(group=group)
        if profile.non_member_posts == REJECT:
            return Decision(REJECT, "only members may post in this group")
        if profile.non_member_posts == HOLD and not approved:
            return Decision(HOLD, "not a member")
    if not approved and author.id in facts.mutes:
        return Decision(HOLD, "muted member")
    return ACCEPTED


async def target_group(ctx: "FederationContext", doc: ObjectDoc, addressed: Iterable[str] = ()) -> Actor | None:
    """The local group a post is for: addressed (to/cc/audience of the post, or of its activity: `addressed`),
    mentioned, or the group of its thread."""
    mentioned = (tag.href for tag in doc.tags if tag.href and tag.type == "Mention")
    local = [uri for uri in {*doc.audience, *doc.to, *doc.cc, *mentioned, *addressed} if ctx.urls.is_local(uri)]
    if local:
        group = await _local_group(sorted(local))
        if group is not None:
            return group
    if doc.in_reply_to:
        parent = await post_by_uri(doc.in_reply_to)
        if parent is not None and parent.group_id is not None:
            group = await Actor.filter(id=parent.group_id).first()
            if group is not None and group.is_local:
                return group
    return None


async def _local_group(uris: list[str]) -> Actor | None:
    batch = hot_cache.current()
    if batch is not None and tuple(uris) in batch.groups:
        return batch.groups[tuple(uris)]
    group = await Actor.filter(uri__in=uris, type="Group", is_local=True, deleted_at=None).first()
    if batch is not None:
        batch.groups[tuple(uris)] = group
    return group


async def receive_post(
    ctx: "FederationContext", group: Actor, author: Actor, doc: ObjectDoc, activity: dict[str, Any],
    adjustments: Adjustments | None = None,
) -> Post:
    """A remote member's Create for a local group: admitted and relayed, or Held / Rejected (raised)."""
    if not group.manually_approves and not is_public(doc.to + doc.cc):
        # As on Lemmy: a public group would publish it, so a followers-only or direct post stays out.
        raise Rejected(f"{group.uri} takes only public posts; this one is addressed to some people only")
    parent = await post_by_uri(doc.in_reply_to) if doc.in_reply_to else None
    decision = await decide(group, author, parent, approved=await is_approved(activity["id"]))
    if decision.action == REJECT:
        raise Rejected(f"{group.uri} refused it: {decision.reason}")
    if decision.action == HOLD:
        await hold(group, author, activity, decision.reason)
    return await admit_remote(ctx, group, author, doc, activity, adjustments)


async def admit_remote(
    ctx: "FederationContext", group: Actor, author: Actor, doc: ObjectDoc, activity: dict[str, Any],
    adjustments: Adjustments | None = None,
) -> Post:
    # In a batch the batch's transaction holds it all (no savepoint of its own needed).
    async with nullcontext() if hot_cache.current() is not None else in_transaction():
        post = await store_remote_post(doc, author, activity["id"], group=group, adjustments=adjustments)
        await relay.announce(ctx, group, activity)
        await record_checkin_reply(post, author, group)  # a reply to a check-in day's thread is a check-in
    ctx.wake()
    return post
