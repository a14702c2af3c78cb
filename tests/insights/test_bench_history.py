"""A kept benchmark history moved forward to end today (bench/insights_history.py): every date and time moves by
the same whole days (microseconds kept, also when the reuse is earlier in the day than the build), rows with a
day or an hour in a unique key do not collide on the way, and the record says where the history now ends."""
from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Awaitable, Callable

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from benchlib import database_session  # noqa: E402 (bench/ is not a package)
from insights_history import bring_forward, load_history, save_history  # noqa: E402
from models.actors import Actor  # noqa: E402
from models.insights import PageDay, PageHour, PostView  # noqa: E402
from models.posts import LIKE, Interaction, Post  # noqa: E402

ENDED = datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=timezone.utc)


async def test_history_moves_forward_by_whole_days(new_database: Callable[[], Awaitable[str]]) -> None:
    async with database_session(await new_database()):
        page = await Actor.create(uri="http://moot.test/pages/p", type="Service", username="p", is_local=True,
                                  domain="moot.test", inbox="http://moot.test/pages/p/inbox")
        post = await Post.create(uri="http://moot.test/posts/1", author=page, is_local=True, content="<p>x</p>",
                                 published=ENDED - timedelta(days=2), visibility="public")
        await Interaction.create(kind=LIKE, actor=page, post=post, activity_uri="http://x.test/1",
                                 created_at=ENDED - timedelta(minutes=7))
        # Consecutive days and hours, oldest first: moved in place one by one, a row would land on the next one.
        days = [ENDED.date() - timedelta(days=n) for n in (3, 2, 1)]
        await PageDay.bulk_create([PageDay(page=page, day=d, likes=n) for n, d in enumerate(days)])
        hour = int(ENDED.timestamp()) // 3600
        await PageHour.bulk_create([PageHour(page=page, hour=hour - 29 + n, interactions=n) for n in range(30)])
        await PostView.bulk_create([PostView(post=post, page=page, day=d, views=n) for n, d in enumerate(days)])
        await save_history({"bench": "page", "now": ENDED.isoformat()})
        info = await load_history("page")

        # Reused the next day, five hours earlier in the day than the build.
        moved = await bring_forward(info, now=ENDED + timedelta(days=1, hours=-5))

        assert moved == 1
        assert (await Interaction.get(post=post)).created_at == ENDED + timedelta(days=1, minutes=-7)
        assert (await Post.get(id=post.id)).published == ENDED - timedelta(days=1)
        assert sorted(await PageDay.filter(page=page).values_list("day", "likes")) == sorted(
            (_day(d) + timedelta(days=1), n) for n, d in enumerate(days))
        assert sorted(await PageHour.filter(page=page).values_list("hour", "interactions")) == sorted(
            (hour - 29 + n + 24, n) for n in range(30))
        assert sorted((_day(d), v) for d, v in await PostView.filter(post=post).values_list("day", "views")) == sorted(
            (d + timedelta(days=1), n) for n, d in enumerate(days))
        assert (await load_history("page"))["now"] == (ENDED + timedelta(days=1)).isoformat()
        # The same day again: nothing moves.
        assert await bring_forward(await load_history("page"), now=ENDED + timedelta(days=1, hours=3)) == 0
        assert (await Interaction.get(post=post)).created_at == ENDED + timedelta(days=1, minutes=-7)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
