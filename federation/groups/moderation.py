"""Group moderation in Lemmy's shapes: remove/restore, lock, pin, ban, moderators; plus Moot's local mute.

Each action by a local moderator is an activity by that moderator, applied here and relayed by the
group (Announce), exactly as an incoming one from a remote moderator is.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from federation import modlog, notifications, render
from federation.actions.follows import reject_follow
from federation.actions.statuses import ActionError
from federation.groups import relay
from federation.groups.access import is_moderator
from federation.outbox import publish
from federation.vocab import PUBLIC
from models.actors import Actor
from models.follows import Follow
from models.groups import MODERATOR, OWNER, GroupBan, GroupMute, GroupRole
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- applying (shared by local actions and incoming activities) ----------------------------


async def apply_removal(post: Post, reason: str | None) -> None:
    await Post.filter(id=post.id).update(removed_at=_now(), removed_reason=reason or "", pinned_at=None)
    await notifications.post_moderated(post, "post_removed", reason)  # tells a local author, with the reason


async def apply_restore(post: Post) -> None:
    await Post.filter(id=post.id).update(removed_at=None, removed_reason=None)
    await notifications.post_moderated(post, "post_restored", key=_now().isoformat())


async def apply_lock(post: Post, locked: bool) -> None:
    await Post.filter(id=post.id).update(locked_at=_now() if locked else None)


async def apply_pin(post: Post, pinned: bool) -> None:
    await Post.filter(id=post.id).update(pinned_at=_now() if pinned else None)


async def apply_ban(group: Actor, target: Actor, reason: str, expires_at: datetime | None,
                    remove_data: bool, activity_uri: str | None) -> None:
    await GroupBan.update_or_create(
        defaults={"reason": reason, "expires_at": expires_at, "activity_uri": activity_uri}, group=group, actor=target
    )
    if remove_data:
        await Post.filter(group=group, author=target, removed_at=None).update(
            removed_at=_now(), removed_reason=reason or "banned"
        )


async def apply_unban(group: Actor, target: Actor) -> None:
    await GroupBan.filter(group=group, actor=target).delete()


async def apply_moderator(group: Actor, target: Actor, added: bool) -> None:
    if added:
        await GroupRole.get_or_create(defaults={"role": MODERATOR}, group=group, actor=target)
    else:
        await GroupRole.filter(group=group, actor=target, role=MODERATOR).delete()


# --- local moderator actions -----------------------------------------------------------------


async def _require_moderator(group: Actor, moderator: Actor) -> None:
    if not group.is_local:
        raise ActionError("this group is moderated on its own server", status=422)
    if not await is_moderator(group, moderator):
        raise ActionError("only the group's moderators can do this", status=403)


async def _post_in_group(post: Post) -> Actor:
    if post.group_id is None:
        raise ActionError("this post is not in a group", status=422)
    return await Actor.get(id=post.group_id)


async def _moderator_activity(
    ctx: "FederationContext", group: Actor, moderator: Actor, activity_type: str, obj: Any,
    inboxes: tuple[str, ...] = (), **extra: Any,
) -> dict[str, Any]:
    """The moderator's activity, sent to `inboxes` directly and relayed by the group to its members.

    In a public group it is addressed to Public, so it is stored public: its id answers a fetch
    (GET /activities/{id}), as servers that receive the group's Announce of it may check.
    """
    to, _ = relay.addressing(group)
    public = PUBLIC in to
    activity = render.activity(
        ctx.urls.new_activity(), activity_type, moderator.uri, obj,
        to=[PUBLIC] if public else [group.uri], cc=[group.uri], audience=group.uri, **extra,
    )
    await publish(moderator, activity, to_followers=False, inboxes=inboxes, public=public)
    await relay.announce(ctx, group, activity)
    return activity


async def remove_post(ctx: "FederationContext", moderator: Actor, post: Post, reason: str, restore: bool = False) -> None:
    group = await _post_in_group(post)
    await _require_moderator(group, moderator)
    delete = {"id": ctx.urls.new_activity(), "type": "Delete", "actor": moderator.uri, "object": post.uri,
              "to": [PUBLIC], "cc": [group.uri], "summary": reason}
    async with in_transaction():
        if restore:
            await apply_restore(post)
            await _moderator_activity(ctx, group, moderator, "Undo", delete)
        else:
            await apply_removal(post, reason)
            await _moderator_activity(ctx, group, moderator, "Delete", post.uri, summary=reason or None)
        await modlog.record("post.restored" if restore else "post.removed", moderator=moderator, target=post.uri,
                            group=group, reason=reason)
    ctx.wake()


async def lock_post(ctx: "FederationContext", moderator: Actor, post: Post, reason: str, locked: bool = True) -> None:
    group = await _post_in_group(post)
    await _require_moderator(group, moderator)
    async with in_transaction():
        await apply_lock(post, locked)
        if locked:
            await _moderator_activity(ctx, group, moderator, "Lock", post.uri, summary=reason or None)
        else:
            lock = {"id": ctx.urls.new_activity(), "type": "Lock", "actor": moderator.uri, "object": post.uri}
            await _moderator_activity(ctx, group, moderator, "Undo", lock)
        await modlog.record("post.locked" if locked else "post.unlocked", moderator=moderator, target=post.uri,
                            group=group, reason=reason)
    ctx.wake()


async def pin_post(
    ctx: "FederationContext", moderator: Actor, post: Post, pinned: bool = True, reason: str = ""
) -> None:
    group = await _post_in_group(post)
    await _require_moderator(group, moderator)
    async with in_transaction():
        await apply_pin(post, pinned)
        await _moderator_activity(ctx, group, moderator, "Add" if pinned else "Remove", post.uri,
                                  target=group.featured_url)
        await modlog.record("post.pinned" if pinned else "post.unpinned", moderator=moderator, target=post.uri,
                            group=group, reason=reason)
    ctx.wake()


async def ban_member(
    ctx: "FederationContext", moderator: Actor, group: Actor, target: Actor, *, reason: str = "",
    expires_at: datetime | None = None, remove_data: bool = False,
) -> None:
    await _require_moderator(group, moderator)
    if await GroupRole.filter(group=group, actor=target, role=OWNER).exists():
        raise ActionError("the owner of a group cannot be banned from it", status=422)
    block_uri = ctx.urls.new_activity()
    async with in_transaction():
        await apply_ban(group, target, reason, expires_at, remove_data, block_uri)
        extra = {"target": group.uri, "summary": reason or None, "removeData": remove_data or None,
                 "endTime": render.iso(expires_at)}
        # A private group's moderation is for its members (and the banned person), never Public.
        to, cc = ([group.uri, group.followers_url or ""], [target.uri]) if group.manually_approves \
            else ([PUBLIC], [group.uri])
        activity = render.activity(block_uri, "Block", moderator.uri, target.uri, to=to, cc=cc, **extra)
        # The banned person's server hears it too, so its users see why their posts fail.
        await publish(moderator, activity, to_followers=False, inboxes=[] if target.is_local else [target.inbox])
        await relay.announce(ctx, group, activity)
        await modlog.record("member.banned", moderator=moderator, target=target.uri, group=group, reason=reason,
                            expires_at=render.iso(expires_at), remove_data=remove_data or None)
    ctx.wake()
    membership = await Follow.filter(target=group, follower=target).first()
    if group.manually_approves and membership is not None:
        # A private group's content goes to its members only: a banned person stops receiving it (a Reject,
        # so Mastodon drops the follow), and must ask again once the ban ends.
        await reject_follow(ctx, membership)


async def unban_member(ctx: "FederationContext", moderator: Actor, group: Actor, target: Actor) -> None:
    await _require_moderator(group, moderator)
    ban = await GroupBan.filter(group=group, actor=target).first()
    if ban is None:
        return
    block = {"id": ban.activity_uri or ctx.urls.new_activity(), "type": "Block", "actor": moderator.uri,
             "object": target.uri, "target": group.uri}
    async with in_transaction():
        await apply_unban(group, target)
        # The banned person's server heard the Block directly; it hears the Undo the same way.
        await _moderator_activity(ctx, group, moderator, "Undo", block,
                                  inboxes=() if target.is_local else (target.inbox,))
        await modlog.record("member.unbanned", moderator=moderator, target=target.uri, group=group)
    ctx.wake()


async def mute_member(
    ctx: "FederationContext", moderator: Actor, group: Actor, target: Actor, *, reason: str = "",
    expires_at: datetime | None = None,
) -> None:
    """Moot's local extension: nothing federates; the member's new posts are held for review."""
    await _require_moderator(group, moderator)
    await GroupMute.update_or_create(defaults={"reason": reason, "expires_at": expires_at}, group=group, actor=target)
    await modlog.record("member.muted", moderator=moderator, target=target.uri, group=group, reason=reason,
                        expires_at=render.iso(expires_at))


async def unmute_member(ctx: "FederationContext", moderator: Actor, group: Actor, target: Actor) -> None:
    await _require_moderator(group, moderator)
    await GroupMute.filter(group=group, actor=target).delete()
    await modlog.record("member.unmuted", moderator=moderator, target=target.uri, group=group)


async def announce_moderator(ctx: "FederationContext", group: Actor, by: Actor, target: Actor) -> None:
    """Federate that `target` moderates `group` from now on (Add to its moderators collection), sent by `by`."""
    await _moderator_activity(ctx, group, by, "Add", target.uri, target=group.moderators_url)


async def set_moderator(ctx: "FederationContext", owner: Actor, group: Actor, target: Actor, added: bool) -> None:
    """Add or remove a moderator; only the owner may."""
    if not await GroupRole.filter(group=group, actor=owner, role=OWNER).exists():
        raise ActionError("only the group's owner can change its moderators", status=403)
    if target.type != "Person":
        raise ActionError("only people can moderate a group", status=422)
    async with in_transaction():
        await apply_moderator(group, target, added)
        await _moderator_activity(ctx, group, owner, "Add" if added else "Remove", target.uri,
                                  target=group.moderators_url)
        await modlog.record("moderator.added" if added else "moderator.removed", moderator=owner,
                            target=target.uri, group=group)
    ctx.wake()


async def remove_member(ctx: "FederationContext", moderator: Actor, group: Actor, target: Actor) -> None:
    """End a membership: a Reject, so Mastodon drops the follow."""
    await _require_moderator(group, moderator)
    follow = await Follow.filter(target=group, follower=target).first()
    if follow is None:
        raise ActionError("not a member of this group", status=404)
    await reject_follow(ctx, follow)
    await modlog.record("member.removed", moderator=moderator, target=target.uri, group=group)
