"""A person deletes their account: it stops at once, the fediverse hears Delete{actor}, the data goes later.

1. `request_deletion` (one transaction): sign-in ends (sessions, API tokens and mailed links revoked), the actor
   and the person's posts are marked deleted (threads and groups keep the rows, shown as deleted; ActivityPub
   answers a Tombstone), and `Delete{object: the actor}` goes, as Mastodon sends it, to the person's followers,
   the accounts and groups they follow, and the followers of the local groups they posted in.
2. For GRACE the account is "scheduled for deletion": an admin may cancel it (`cancel_deletion`), which
   brings back the account and the posts the deletion hid (remote servers already dropped their copies).
   The actor URI still serves the public key (so receivers can verify the Delete's signature).
3. The "account.purge" job removes the data: profile, posts' content, follows, likes, roles, sessions, tokens
   and the login; the actor row stays as a tombstone (410 Gone), so its name is never taken again.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from federation import modlog
from federation.groups.succession import hand_over
from federation.media_store import MediaStore, store_of
from federation.outbox import publish
from federation.schedule import schedule, unschedule
from federation.vocab import AS_CONTEXT, PUBLIC, SECURITY_CONTEXT
from models.account_tokens import AccountToken
from models.accounts import MediaFile, WebSession
from models.actors import Actor, ApiToken, LocalUser, PageRole
from models.client_state import Bookmark, Marker
from models.follows import Follow
from models.groups import GroupRole
from models.oauth import OAuthAuthorizationCode
from models.posts import Interaction, Post
from models.queues import ScheduledJob

if TYPE_CHECKING:
    from federation.context import FederationContext

GRACE = timedelta(days=30)
PURGE_JOB = "account.purge"


class DeletionError(ValueError):
    """The deletion cannot be done or undone; the message says why."""


def _job_key(account_id: int) -> str:
    return f"{PURGE_JOB}:{account_id}"


def delete_activity(ctx: "FederationContext", actor: Actor) -> dict[str, Any]:
    """Delete{object: the actor itself}, public, as Mastodon's DeleteActorSerializer shapes it."""
    return {"@context": AS_CONTEXT, "id": ctx.urls.new_activity(), "type": "Delete", "actor": actor.uri,
            "object": actor.uri, "to": [PUBLIC]}


async def _known_inboxes(actor: Actor) -> list[str]:
    """Remote inboxes beyond the followers: the accounts and groups the person follows."""
    targets = await Actor.filter(followers_rel__follower_id=actor.id, is_local=False, deleted_at=None)
    return sorted({target.delivery_inbox for target in targets})


async def _groups_posted_in(actor: Actor) -> list[Actor]:
    group_ids = await Post.filter(author_id=actor.id, group_id__not_isnull=True).distinct().values_list(
        "group_id", flat=True)
    return list(await Actor.filter(id__in=list(group_ids), is_local=True, type="Group"))


async def request_deletion(ctx: "FederationContext", account: LocalUser, *, now: datetime | None = None) -> datetime:
    """Stop the account now and federate its deletion; returns when its data will be purged."""
    if account.deletion_requested_at is not None:
        raise DeletionError("this account is already scheduled for deletion")
    now = now or datetime.now(timezone.utc)
    actor = await Actor.get(id=account.actor_id)
    purge_at = now + GRACE
    activity = delete_activity(ctx, actor)
    inboxes = await _known_inboxes(actor)
    groups = await _groups_posted_in(actor)
    async with in_transaction():
        await LocalUser.filter(id=account.id).update(deletion_requested_at=now, delete_after=purge_at)
        await WebSession.filter(user_id=actor.id, revoked_at=None).update(revoked_at=now)
        # Its apps' tokens, and those it granted to act as a page it runs (the page's own stay).
        await ApiToken.filter(Q(actor_id=actor.id) | Q(granted_by_id=actor.id)).delete()
        await OAuthAuthorizationCode.filter(user_id=actor.id).delete()
        await AccountToken.filter(account_id=account.id, used_at=None).update(used_at=now)
        # The moment marks what this deletion hid, so a cancellation restores exactly that.
        await Post.filter(author_id=actor.id, deleted_at=None).update(deleted_at=now, pinned_at=None)
        await Actor.filter(id=actor.id).update(deleted_at=now)
        await hand_over(ctx, actor)  # no group or page is left without someone to run it
        await publish(actor, activity, to_followers=True, inboxes=inboxes, public=True, followers_of=groups)
        await schedule(PURGE_JOB, _job_key(account.id), purge_at, {"account_id": account.id}, keep_earlier=False)
    account.deletion_requested_at, account.delete_after = now, purge_at
    ctx.wake()
    return purge_at


async def cancel_deletion(admin: Actor, account: LocalUser, *, reason: str = "") -> None:
    """An admin stops a deletion within the grace period: the person signs in again and the posts return."""
    requested = account.deletion_requested_at
    if requested is None:
        raise DeletionError("this account is not scheduled for deletion")
    async with in_transaction():
        await LocalUser.filter(id=account.id).update(deletion_requested_at=None, delete_after=None)
        await Actor.filter(id=account.actor_id).update(deleted_at=None)
        await Post.filter(author_id=account.actor_id, deleted_at=requested).update(deleted_at=None)
        await unschedule(_job_key(account.id))
        actor = await Actor.get(id=account.actor_id)
        await modlog.record("user.deletion_cancelled", moderator=admin, target=actor.uri, reason=reason, public=False)
    account.deletion_requested_at = account.delete_after = None


async def purge_account(account: LocalUser, store: "MediaStore | None" = None) -> None:
    """Remove the person's data; the actor stays as a tombstone and the posts as deleted rows in their threads.
    Their uploads go too: the rows, and the files when the media `store` is given."""
    actor_id = account.actor_id
    files = list(await MediaFile.filter(owner_id=actor_id).values_list("file_name", flat=True))
    async with in_transaction():
        await Post.filter(author_id=actor_id).update(
            content="", source=None, summary=None, name=None, description=None, attachments=[], tags=[])
        await Post.filter(author_id=actor_id, deleted_at__isnull=True).update(deleted_at=datetime.now(timezone.utc))
        await Interaction.filter(actor_id=actor_id).delete()
        await Follow.filter(follower_id=actor_id).delete()
        await Follow.filter(target_id=actor_id).delete()
        await GroupRole.filter(actor_id=actor_id).delete()
        await PageRole.filter(user_id=actor_id).delete()
        await WebSession.filter(user_id=actor_id).delete()
        await ApiToken.filter(actor_id=actor_id).delete()
        await Bookmark.filter(actor_id=actor_id).delete()
        await Marker.filter(actor_id=actor_id).delete()
        await Actor.filter(id=actor_id).update(
            display_name=None, summary="", icon_url=None, image_url=None, profile_fields=[], discoverable=False,
            indexable=False, private_key_pem=None)
        await MediaFile.filter(owner_id=actor_id).delete()
        await LocalUser.filter(id=account.id).delete()
    if store is not None and files:
        await store.delete(files)


async def purge_job(ctx: "FederationContext", job: ScheduledJob, now: datetime) -> None:
    """The scheduled purge; a cancelled or moved deletion leaves it nothing to do."""
    account = await LocalUser.filter(id=int(job.payload.get("account_id", 0))).first()
    if account is None or account.deletion_requested_at is None or (
            account.delete_after is not None and account.delete_after > now):
        return
    await purge_account(account, store_of(ctx))


def gone_actor_document(actor: Actor) -> dict[str, Any]:
    """During the grace period: enough of the actor for receivers to verify the Delete it signed."""
    return {
        "@context": [AS_CONTEXT, SECURITY_CONTEXT], "id": actor.uri, "type": actor.type,
        "preferredUsername": actor.username, "name": actor.username, "summary": "", "inbox": actor.inbox,
        "outbox": actor.outbox, "suspended": True,
        "publicKey": {"id": actor.public_key_id, "owner": actor.uri, "publicKeyPem": actor.public_key_pem},
    }


def actor_tombstone(actor: Actor) -> dict[str, Any]:
    deleted = actor.deleted_at.isoformat().replace("+00:00", "Z") if actor.deleted_at else None
    doc: dict[str, Any] = {"@context": AS_CONTEXT, "id": actor.uri, "type": "Tombstone", "formerType": actor.type}
    if deleted:
        doc["deleted"] = deleted
    return doc


async def deleted_local_person(name: str) -> tuple[Actor, bool] | None:
    """A deleted local person by name, and whether it is still in its grace period (its login kept)."""
    actor = await Actor.filter(local_name=name, is_local=True, type="Person", deleted_at__not_isnull=True).first()
    if actor is None:
        return None
    return actor, await LocalUser.filter(actor_id=actor.id, deletion_requested_at__not_isnull=True).exists()
