"""notify(): the one function that creates notifications, and the reads of them (lists, counts, marks).

notify() never tells people about their own actions, never notifies twice for the same cause (its
dedupe key), never tells a recipient about a post it may not see (federation/audience.py), and never passes
on what a limited sender does to someone who does not follow them. Every notification created runs the
`ON_CREATED` hooks (mail scheduling here; streaming can subscribe later).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable, Iterable

from tortoise.expressions import Q, Subquery

from federation import audience
from federation.notifications.kinds import KINDS
from federation.people import personal_filters
from federation.schedule import schedule
from models.actors import Actor, LocalUser, PageRole
from models.follows import ACCEPTED, Follow
from models.moderation import LIMIT, ActorPolicy, DomainPolicy
from models.notifications import EMAIL_DIGEST, EMAIL_IMMEDIATE, EMAIL_OFF, Notification, NotificationPreference
from models.posts import Post

log = logging.getLogger(__name__)

MAIL_JOB = "notification.mail"
DIGEST_JOB = "notification.digest"
DIGEST_AFTER = timedelta(hours=24)

# Called with each notification just created (in the creator's transaction): mail, and later streaming.
OnCreated = Callable[[Notification], Awaitable[None]]
ON_CREATED: list[OnCreated] = []
# Each answers True when the recipient does not want to hear from this sender (blocks and mutes, when they exist).
Suppressor = Callable[[Actor, Actor], Awaitable[bool]]
SUPPRESSORS: list[Suppressor] = [personal_filters.silences]  # personal blocks and mutes (federation/people)


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def _limited(sender: Actor) -> bool:
    if sender.is_local:
        return False
    now = _now()
    unexpired = Q(expires_at=None) | Q(expires_at__gt=now)
    if await ActorPolicy.filter(unexpired, actor_id=sender.id, policy=LIMIT).exists():
        return True
    return await DomainPolicy.filter(unexpired, domain=sender.domain, policy=LIMIT).exists()


async def _suppressed(recipient: Actor, sender: Actor | None) -> bool:
    if sender is None:
        return False
    if sender.deleted_at is not None:
        return True
    for check in SUPPRESSORS:
        if await check(recipient, sender):
            return True
    if await _limited(sender):  # as Mastodon: a limited account reaches only those who follow it
        return not await Follow.filter(follower_id=recipient.id, target_id=sender.id, state=ACCEPTED).exists()
    return False


async def preference(user_id: int, kind: str) -> NotificationPreference:
    """The person's choice for a kind (unsaved defaults when none: shown on the web, no mail)."""
    saved = await NotificationPreference.filter(user_id=user_id, kind=kind).first()
    return saved or NotificationPreference(user_id=user_id, kind=kind, web=True, email=EMAIL_OFF)


async def preferences(user_id: int) -> dict[str, NotificationPreference]:
    saved = {p.kind: p for p in await NotificationPreference.filter(user_id=user_id)}
    return {kind: saved.get(kind) or NotificationPreference(user_id=user_id, kind=kind, web=True, email=EMAIL_OFF)
            for kind in KINDS}


async def set_preference(user_id: int, kind: str, *, web: bool, email: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    existing = await NotificationPreference.filter(user_id=user_id, kind=kind).first()
    if existing is None:
        await NotificationPreference.create(user_id=user_id, kind=kind, web=web, email=email)
    else:
        await NotificationPreference.filter(id=existing.id).update(web=web, email=email)


async def notify(
    recipient: Actor, kind: str, *, dedupe_key: str, from_actor: Actor | None = None, post: Post | None = None,
    group: Actor | None = None, extra: dict[str, Any] | None = None,
) -> Notification | None:
    """Tell a local actor about something; returns the new notification, or None when it is not for them."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not recipient.is_local or recipient.type in ("Group", "Application") or recipient.deleted_at is not None:
        return None
    if from_actor is not None and from_actor.id == recipient.id:
        return None
    key = dedupe_key[:255]
    if await Notification.filter(recipient_id=recipient.id, kind=kind, dedupe_key=key).exists():
        return None
    if post is not None and not await audience.may_see_post(post, audience.viewer_of(recipient)):
        return None
    if await _suppressed(recipient, from_actor):
        return None
    choice = await preference(recipient.id, kind)
    if not choice.web and choice.email == EMAIL_OFF:
        return None
    row = Notification(
        recipient_id=recipient.id, kind=kind, from_actor_id=from_actor.id if from_actor else None,
        post_id=post.id if post else None, group_id=group.id if group else None, extra=extra or {},
        dedupe_key=key, dismissed=not choice.web,  # mailed only: kept (for dedupe and the mail), never listed
    )
    # ON CONFLICT DO NOTHING: a second process may notify the same cause now, and an IntegrityError would
    # abort the caller's transaction on PostgreSQL.
    await Notification.bulk_create([row], ignore_conflicts=True)
    created = await Notification.filter(recipient_id=recipient.id, kind=kind, dedupe_key=key).first()
    if created is None:
        return None
    for hook in ON_CREATED:
        await hook(created)
    return created


async def notify_many(recipients: Iterable[Actor], kind: str, **fields: Any) -> list[Notification]:
    made = []
    seen: set[int] = set()
    for recipient in recipients:
        if recipient.id in seen:
            continue
        seen.add(recipient.id)
        note = await notify(recipient, kind, **fields)
        if note is not None:
            made.append(note)
    return made


async def _schedule_mail(note: Notification) -> None:
    """Immediate mail now, or the person's digest within a day (federation/notifications/mail.py sends them)."""
    choice = await preference(note.recipient_id, note.kind)
    if choice.email == EMAIL_IMMEDIATE:
        await schedule(MAIL_JOB, f"notification-mail:{note.id}", _now(), {"notification_id": note.id})
    elif choice.email == EMAIL_DIGEST:
        await schedule(DIGEST_JOB, f"notification-digest:{note.recipient_id}", _now() + DIGEST_AFTER,
                       {"user_id": note.recipient_id}, keep_earlier=True)


ON_CREATED.append(_schedule_mail)


# --- reading ----------------------------------------------------------------------------------------


def readable_by(actor: Actor, *, with_pages: bool) -> Q:
    """The notifications this actor reads: its own, and (on the web) those of the pages it administers."""
    if not with_pages:
        return Q(recipient_id=actor.id)
    pages = Subquery(PageRole.filter(user_id=actor.id).values("page_id"))
    return Q(recipient_id=actor.id) | Q(recipient_id__in=pages)


def listed(actor: Actor, *, with_pages: bool = False) -> Q:
    # Those made earlier by an account the person has since blocked or muted (with notifications) are hidden.
    return (readable_by(actor, with_pages=with_pages) & Q(dismissed=False)
            & personal_filters.hidden_q(actor, "from_actor_id", notifications=True))


async def unread_count(actor: Actor, *, with_pages: bool = False) -> int:
    return await Notification.filter(listed(actor, with_pages=with_pages), read_at=None).count()


async def only_visible(notes: list[Notification]) -> list[Notification]:
    """Drop (and dismiss) notifications whose post the recipient may no longer see (deleted, removed, left)."""
    by_recipient: dict[int, list[int]] = {}
    for note in notes:
        if note.post_id is not None:
            by_recipient.setdefault(note.recipient_id, []).append(note.post_id)
    hidden: set[tuple[int, int]] = set()
    for recipient_id, post_ids in by_recipient.items():
        recipient = await Actor.get(id=recipient_id)
        allowed = await audience.visible_ids(post_ids, audience.viewer_of(recipient))
        hidden |= {(recipient_id, post_id) for post_id in post_ids if post_id not in allowed}
    gone = [n for n in notes if n.post_id is not None and (n.recipient_id, n.post_id) in hidden]
    if gone:
        await Notification.filter(id__in=[n.id for n in gone]).update(dismissed=True)
    return [n for n in notes if n not in gone]


async def mark_read(actor: Actor, ids: Iterable[int] | None = None, *, with_pages: bool = False) -> int:
    query = Notification.filter(readable_by(actor, with_pages=with_pages), read_at=None)
    if ids is not None:
        query = query.filter(id__in=list(ids))
    return await query.update(read_at=_now())


async def dismiss(actor: Actor, note_id: int | None = None) -> int:
    query = Notification.filter(readable_by(actor, with_pages=False), dismissed=False)
    if note_id is not None:
        query = query.filter(id=note_id)
    return await query.update(dismissed=True, read_at=_now())


async def account_of(actor_id: int) -> LocalUser | None:
    return await LocalUser.filter(actor_id=actor_id).first()
