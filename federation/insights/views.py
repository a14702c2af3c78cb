"""Local views: a post's page rendered to a local person or an anonymous visitor adds one to a day's counter.

No identity is kept, only the count per post per day.
"""
from __future__ import annotations

from datetime import datetime, timezone

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from models.insights import PostView


async def record_view(post_id: int, page_id: int, now: datetime | None = None) -> None:
    day = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).date()
    if await PostView.filter(post_id=post_id, day=day).update(views=F("views") + 1):
        return
    try:
        await PostView.bulk_create([PostView(post_id=post_id, page_id=page_id, day=day, views=1)], ignore_conflicts=True)
    except IntegrityError:  # pragma: no cover - ignore_conflicts makes this rare
        pass
    else:
        return
    await PostView.filter(post_id=post_id, day=day).update(views=F("views") + 1)
