"""Reports: from local users (optionally forwarded to the origin as an anonymous Flag) and from remote Flags."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation import modlog, notifications, render
from federation.actions.statuses import ActionError
from federation.groups.access import is_moderator
from federation.outbox import publish
from models.actors import Actor, LocalUser
from models.moderation import DISMISSED, OPEN, RESOLVED, Report
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext

MAX_COMMENT = 5000


async def _local_group_of(posts: list[Post]) -> Actor | None:
    group_ids = {post.group_id for post in posts if post.group_id}
    if not group_ids:
        return None
    return await Actor.filter(id__in=group_ids, is_local=True, type="Group").first()


async def create_report(
    ctx: "FederationContext", reporter: Actor, target: Actor | None, posts: list[Post], comment: str,
    *, forward: bool = False, activity_uri: str | None = None,
) -> Report:
    """A report about an actor and/or posts. Content in a local group goes to that group's moderators."""
    if target is None and not posts:
        raise ActionError("a report needs an account or at least one post")
    if target is None:
        await posts[0].fetch_related("author")
        target = posts[0].author
    if target.id == reporter.id:
        raise ActionError("you cannot report yourself")
    if any(post.author_id != target.id for post in posts):
        raise ActionError("all reported posts must be by the reported account")
    group = await _local_group_of(posts)
    async with in_transaction():
        report = await Report.create(reporter=reporter, target_actor=target, group=group,
                                     comment=comment[:MAX_COMMENT], activity_uri=activity_uri)
        if posts:
            await report.posts.add(*posts)
        if forward and not target.is_local and ctx.instance_actor is not None:
            # Anonymous, as Mastodon forwards: the instance actor reports, not the person.
            flag = render.activity(ctx.urls.new_activity(), "Flag", ctx.instance_actor.uri,
                                   [target.uri, *(post.uri for post in posts)], content=comment or None)
            await publish(ctx.instance_actor, flag, to_followers=False, inboxes=[target.inbox])
            await Report.filter(id=report.id).update(forwarded=True)
            report.forwarded = True
        await notifications.report_created(report)  # for the group's moderators, else the admins
    ctx.wake()
    return report


async def can_handle(moderator: Actor, report: Report) -> bool:
    if await LocalUser.filter(actor=moderator, is_admin=True).exists():
        return True
    if report.group_id is None:
        return False
    return await is_moderator(await Actor.get(id=report.group_id), moderator)


async def close_report(moderator: Actor, report: Report, *, dismiss: bool, action_taken: str = "") -> Report:
    if not await can_handle(moderator, report):
        raise ActionError("only admins, or the moderators of the group concerned, handle this report", status=403)
    if report.state != OPEN:
        raise ActionError(f"this report is already {report.state}", status=409)
    state = DISMISSED if dismiss else RESOLVED
    now = datetime.now(timezone.utc)
    await Report.filter(id=report.id).update(state=state, action_taken=action_taken or None, resolved_at=now,
                                             resolved_by=moderator)
    group = await Actor.get(id=report.group_id) if report.group_id else None
    await modlog.record(f"report.{state}", moderator=moderator, target=f"report {report.id}", group=group,
                        reason=action_taken, public=False)
    return await Report.get(id=report.id)
