"""The moderation log: every decision, who made it, on what, and why."""
from __future__ import annotations

from typing import Any

from models.actors import Actor
from models.moderation import ModLogEntry


async def record(
    action: str,
    *,
    moderator: Actor | None,
    target: str = "",
    group: Actor | None = None,
    reason: str = "",
    public: bool = True,
    **details: Any,
) -> ModLogEntry:
    """Log a decision. `public` entries appear in the public modlog; the rest only to admins."""
    return await ModLogEntry.create(
        action=action, moderator=moderator, target=target, group=group, reason=reason or "", public=public,
        details={key: value for key, value in details.items() if value is not None},
    )
