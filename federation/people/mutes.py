"""Personal mutes: local only (nothing federates). A muted account's posts leave the person's timelines, and its
notifications too when `notifications` is on. A mute with a duration ends by itself: every read asks
`personal_filters.active_mutes()`, so an expired row simply stops applying (and is tidied on the next change).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from federation.people.blocks import BlockError, _check
from federation.people.personal_filters import active_mutes
from models.actors import Actor
from models.personal_blocks import PersonalMute

# Longest timed mute: a year (Mastodon offers up to 7 days in its UI, any duration in the API).
MAX_DURATION = 366 * 24 * 3600


def _now() -> datetime:
    return datetime.now(timezone.utc)


def expiry_of(duration: int | None, now: datetime | None = None) -> datetime | None:
    """The end of a mute lasting `duration` seconds (None or 0: indefinitely)."""
    if not duration:
        return None
    if duration < 0 or duration > MAX_DURATION:
        raise BlockError("A mute can last a year at most.")
    return (now or _now()) + timedelta(seconds=duration)


async def mute(actor: Actor, target: Actor, *, notifications: bool = True, duration: int | None = None) -> PersonalMute:
    """Mute `target` (again: the new choice replaces the old one, as Mastodon does)."""
    _check(actor, target)
    expires_at = expiry_of(duration)
    existing = await PersonalMute.filter(actor_id=actor.id, target_id=target.id).first()
    if existing is not None:
        await PersonalMute.filter(id=existing.id).update(notifications=notifications, expires_at=expires_at)
        existing.notifications, existing.expires_at = notifications, expires_at
        return existing
    return await PersonalMute.create(actor_id=actor.id, target_id=target.id, notifications=notifications,
                                     expires_at=expires_at)


async def unmute(actor: Actor, target: Actor) -> bool:
    return bool(await PersonalMute.filter(actor_id=actor.id, target_id=target.id).delete())


async def muted_accounts(actor: Actor) -> list[PersonalMute]:
    """The actor's mutes that still apply, newest first, with their targets loaded (expired ones are removed)."""
    await PersonalMute.filter(actor_id=actor.id, expires_at__lte=_now()).delete()
    return list(await PersonalMute.filter(active_mutes(), actor_id=actor.id).order_by("-id").prefetch_related("target"))
