"""Auditable draws: a group's moderators or a page's admins announce a prize with the commitment to a secret seed;
at the deadline the scheduled job "draw.reveal" reveals the seed and draws the winners among the eligible people
(federation/activities/draw_algorithm.py), and the result is a reply in the draw's thread that mentions them.

Each step federates as an ordinary post (the announcement, the result or the cancellation, made with
federation/actions/statuses.py create_status: a group relays them to its members) and lands in the modlog
("draw.created", "draw.drawn", "draw.cancelled"). A cancelled draw reveals its seed too, and the list of who
was eligible when it was cancelled: the seed can never be used again, and anyone can see that cancelling did
not change who would have won (docs/draws.md).
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation import modlog
from federation.actions.statuses import ActionError, StatusInput, create_status
from federation.activities import draws_text
from federation.activities.draw_algorithm import commitment_of, new_seed, pick_winners
from federation.activities.draws_eligibility import DrawSpec, check_spec, eligible_uris, is_group, runs_draws
from federation.content import find_mentions
from federation.groups.access import is_moderator
from federation.http import FetchError
from federation.protocol.common import ProtocolError
from federation.resolve import ResolveError, resolve_handle
from federation.local_actors import can_act_as
from federation.queue import utcnow
from federation.schedule import schedule, unschedule
from models.actors import Actor
from models.draws import CANCELLED, DRAWN, OPEN, Draw
from models.groups import OWNER, GroupRole
from models.posts import Post
from models.queues import ScheduledJob

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

JOB_KIND = "draw.reveal"
MAX_REASON = 1000

__all__ = ["DrawSpec", "JOB_KIND", "cancel_draw", "create_draw", "may_run_draws", "reveal", "reveal_job"]


def job_key(draw_id: int) -> str:
    return f"{JOB_KIND}:{draw_id}"


async def may_run_draws(user: Actor, host: Actor) -> bool:
    """A group's moderators run its draws; a page's owner and co-admins (or the page itself) run the page's."""
    if not runs_draws(host):
        return False
    if is_group(host):
        return await is_moderator(host, user)
    return await can_act_as(user, host)


async def _require_organiser(user: Actor, host: Actor) -> None:
    if not await may_run_draws(user, host):
        raise ActionError("Only the group's moderators can run its draws." if is_group(host)
                          else "Only the page's admins can run its draws.", status=403)


def _modlog_group(host: Actor) -> Actor | None:
    return host if is_group(host) else None


async def create_draw(ctx: "FederationContext", user: Actor, host: Actor, spec: DrawSpec) -> Draw:
    """Announce a draw: its post (with the commitment) goes out to the group's members or the page's followers,
    the reveal is scheduled at the deadline, and the modlog records it."""
    await _require_organiser(user, host)
    rule = await check_spec(spec, host, utcnow())
    prize, description = " ".join(spec.prize.split()), spec.description.strip()
    seed = new_seed()
    commitment = commitment_of(seed)
    text = draws_text.announcement(host, prize, spec.winners_count, spec.deadline, spec.eligibility, rule,
                                   commitment, description, ctx.base_url)
    if is_group(host):
        author, data = user, StatusInput(text=text, group=host, title=draws_text.title(prize))
    else:
        author, data = host, StatusInput(text=text, visibility="public")
    await _warm_mentions(ctx, text)
    async with in_transaction():
        post = await create_status(ctx, author, data)
        if is_group(host) and post.group_id != host.id:
            raise ActionError("The group held the draw's post for review, so the draw was not made.", status=409)
        draw = await Draw.create(
            host=host, created_by=user, post=post, prize=prize, winners_count=spec.winners_count,
            deadline=spec.deadline, eligibility=spec.eligibility, eligibility_params=rule.params,
            seed_hex=seed, commitment=commitment, state=OPEN,
        )
        await schedule(JOB_KIND, job_key(draw.id), spec.deadline, {"draw_id": draw.id}, keep_earlier=False)
        await modlog.record("draw.created", moderator=user, target=post.uri, group=_modlog_group(host),
                            draw_id=draw.id, prize=prize)
    ctx.wake()
    return draw


async def _voice(draw: Draw, host: Actor) -> Actor | None:
    """Who posts the result in the thread: the page itself; in a group the moderator who made the draw while
    they still moderate it, else the group's owner."""
    if not is_group(host):
        return host
    if draw.created_by_id is not None:
        creator = await Actor.filter(id=draw.created_by_id, deleted_at=None).first()
        if creator is not None and await is_moderator(host, creator):
            return creator
    owner = await GroupRole.filter(group=host, role=OWNER, actor__deleted_at=None).prefetch_related("actor").first()
    return owner.actor if owner is not None else None


async def _reply(ctx: "FederationContext", author: Actor | None, post: Post | None, text: str, host: Actor,
                 title: str) -> Post | None:
    """The draw's news as a reply in its thread; when the thread refuses it (a page's locked post, or an author
    who is no longer a moderator of a locked thread), a post of its own in the group or on the page; None when neither can be posted. Inside the caller's transaction:
    create_status refuses before it writes anything."""
    if author is None or post is None or post.deleted_at is not None:
        return None
    visibility = post.visibility if post.visibility in ("private", "direct") else "public"
    try:
        return await create_status(ctx, author, StatusInput(text=text, in_reply_to=post, visibility=visibility))
    except ActionError as exc:
        log.warning("draw on post %s: the reply could not be posted (%s); posting it on its own", post.id, exc)
    alone = StatusInput(text=f"{text}\n\n{ctx.base_url}/threads/{post.id}", group=host, title=title) \
        if is_group(host) else StatusInput(text=f"{title}\n\n{text}", visibility=visibility)
    try:
        return await create_status(ctx, author, alone)
    except ActionError as exc:
        log.warning("draw on post %s: the news could not be posted: %s", post.id, exc)
        return None


async def _warm_mentions(ctx: "FederationContext", text: str) -> None:
    """Look up the people a text mentions now (a stale remote profile is refetched), so that posting it does
    no network I/O inside the draw's transaction."""
    for ref in find_mentions(text):
        if ref.domain and ref.domain != ctx.host:
            try:
                await resolve_handle(ctx, f"{ref.username}@{ref.domain}")
            except (ResolveError, FetchError, ProtocolError) as exc:
                log.info("draw: %s cannot be mentioned: %s", ref.text, exc)


async def _winners_in_order(uris: list[str]) -> list[Actor]:
    actors = {actor.uri: actor for actor in await Actor.filter(uri__in=uris)} if uris else {}
    return [actors[uri] for uri in uris if uri in actors]


async def reveal(ctx: "FederationContext", draw: Draw, now: datetime) -> Draw:
    """Draw the winners now: reveal the seed, keep who was eligible, post the result, log it. Idempotent."""
    host = await Actor.get(id=draw.host_id)
    post = await Post.filter(id=draw.post_id).first() if draw.post_id else None
    if post is None or post.deleted_at is not None:
        return await _give_up(ctx, draw, host, post, now)
    eligible = await eligible_uris(draw, host)
    winners = pick_winners(draw.seed_hex, eligible, draw.winners_count)
    author = await _voice(draw, host)
    winning = await _winners_in_order(winners)
    await _warm_mentions(ctx, " ".join(draws_text.handle(actor) for actor in winning))
    async with in_transaction():
        row = await Draw.filter(id=draw.id, state=OPEN).select_for_update().first()
        if row is None:
            return await Draw.get(id=draw.id)
        row.state, row.eligible, row.winners, row.drawn_at = DRAWN, eligible, winners, now
        await row.save()
        text = draws_text.result(row, winning, ctx.base_url)
        row.result_post = await _reply(ctx, author, post, text, host, draws_text.result_title(row.prize))
        await row.save()
        await modlog.record("draw.drawn", moderator=None, target=post.uri, group=_modlog_group(host),
                            draw_id=row.id, prize=row.prize, eligible=len(eligible),
                            winners=len(winners))
    ctx.wake()
    return row


async def _give_up(ctx: "FederationContext", draw: Draw, host: Actor, post: Post | None, now: datetime) -> Draw:
    """The draw's post was deleted before the deadline: the draw is cancelled, with nothing to post."""
    async with in_transaction():
        updated = await Draw.filter(id=draw.id, state=OPEN).update(
            state=CANCELLED, cancelled_at=now, cancel_reason="The post announcing the draw was deleted.")
        if updated:
            await modlog.record("draw.cancelled", moderator=None, target=post.uri if post else "",
                                group=_modlog_group(host), draw_id=draw.id, prize=draw.prize)
    return await Draw.get(id=draw.id)


async def cancel_draw(ctx: "FederationContext", user: Actor, draw: Draw, reason: str) -> Draw:
    """Cancel an open draw before its deadline, with a reason: posted in the thread, seed revealed, logged."""
    host = await Actor.get(id=draw.host_id)
    await _require_organiser(user, host)
    reason = " ".join(reason.split())[:MAX_REASON]
    if not reason:
        raise ActionError("Say why the draw is cancelled.")
    now = utcnow()
    if draw.state != OPEN:
        raise ActionError("This draw is over: it can no longer be cancelled.", status=409)
    if draw.deadline <= now:
        raise ActionError("The deadline has passed: the winners are being drawn.", status=409)
    post = await Post.filter(id=draw.post_id).first() if draw.post_id else None
    eligible = await eligible_uris(draw, host)
    author = user if is_group(host) else host
    await _warm_mentions(ctx, reason)
    async with in_transaction():
        row = await Draw.filter(id=draw.id, state=OPEN).select_for_update().first()
        if row is None:
            raise ActionError("This draw is over: it can no longer be cancelled.", status=409)
        row.state, row.cancelled_at, row.cancel_reason, row.eligible = CANCELLED, now, reason, eligible
        await row.save()
        await unschedule(job_key(row.id))
        row.result_post = await _reply(ctx, author, post, draws_text.cancellation(row, reason, ctx.base_url), host,
                                       draws_text.cancelled_title(row.prize))
        await row.save()
        await modlog.record("draw.cancelled", moderator=user, target=post.uri if post else "",
                            group=_modlog_group(host), reason=reason, draw_id=row.id, prize=row.prize)
    ctx.wake()
    return row


async def reveal_job(ctx: "FederationContext", job: ScheduledJob, now: datetime) -> None:
    """The "draw.reveal" job (federation/jobs.py): due at the draw's deadline."""
    payload = job.payload if isinstance(job.payload, dict) else {}
    draw_id = payload.get("draw_id")
    draw = await Draw.filter(id=draw_id).first() if isinstance(draw_id, int) else None
    if draw is None or draw.state != OPEN:
        return
    if draw.deadline > now:  # moved later meanwhile: wait for it
        await schedule(JOB_KIND, job.key, draw.deadline, payload, keep_earlier=False)
        return
    await reveal(ctx, draw, now)
