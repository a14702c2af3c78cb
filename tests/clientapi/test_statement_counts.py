"""The client API's lists cost a fixed number of SQL statements, whatever the number of statuses on the page:
web/api/serializers.py loads counts, accounts, the viewer's likes, boosts and bookmarks, media and parents for the
whole page at once (issue 13). Counted on a real server, as tortoise logs its statements."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from federation.actions.boosts import boost
from federation.actions.statuses import StatusInput, create_status, like
from models.actors import Actor
from models.client_state import Bookmark
from models.posts import Post
from tests.conftest import MootInstance

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from benchlib import StatementCounter, counting_sql  # noqa: E402 (bench/ is not a package; the benchmarks count the same way)


async def statements(moot: MootInstance, path: str, token: str) -> tuple[int, Any]:
    """The statements one GET costs, and its JSON (checked to be a success)."""
    with counting_sql(StatementCounter()) as counter:
        code, body = await moot.api("GET", path, token)
    assert code == 200, body
    return counter.count, body


async def add_statuses(moot: MootInstance, people: dict[str, Actor], root: Post, count: int) -> None:
    """Bob's statuses, every other one a reply in root's thread; Ann likes and bookmarks some, Carl boosts some
    and replies (so Bob has notifications of every kind)."""
    fed, ann, bob, carl = moot.fed, people["ann"], people["bob"], people["carl"]
    for n in range(count):
        post = await create_status(fed, bob, StatusInput(text=f"Status {n} @ann #seeds",
                                                         in_reply_to=root if n % 2 else None))
        if n % 2 == 0:
            await like(fed, ann, post)
        if n % 2 == 1:
            await Bookmark.create(actor=ann, post=post)
        if n % 5 == 0:
            await boost(fed, carl, post)
            await create_status(fed, carl, StatusInput(text=f"Carl on {n}", in_reply_to=post))
    await moot.drain()


PATHS = {
    "home": "/api/v1/timelines/home?limit=40",
    "public": "/api/v1/timelines/public?limit=40",
    "account": "/api/v1/accounts/{bob}/statuses?limit=40",
    "bookmarks": "/api/v1/bookmarks?limit=40",
    "favourites": "/api/v1/favourites?limit=40",
    "context": "/api/v1/statuses/{root}/context",
    "notifications": "/api/v1/notifications?limit=40",
}


async def page_costs(moot: MootInstance, people: dict[str, Actor], root: Post,
                     tokens: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Per list: (statements, statuses on the page)."""
    costs = {}
    for name, path in PATHS.items():
        token = tokens["bob"] if name == "notifications" else tokens["ann"]
        count, body = await statements(moot, path.format(bob=people["bob"].id, root=root.id), token)
        items = body["descendants"] if name == "context" else body
        costs[name] = (count, len(items))
    return costs


async def test_list_pages_cost_the_same_statements_for_5_or_20_statuses(moot: MootInstance) -> None:
    people, tokens = {}, {}
    for name in ("ann", "bob", "carl"):
        people[name], tokens[name] = await moot.user(name)
    for followed in ("bob", "carl"):
        code, _ = await moot.api("POST", f"/api/v1/accounts/{people[followed].id}/follow", tokens["ann"])
        assert code == 200
    root = await create_status(moot.fed, people["bob"], StatusInput(text="The thread"))
    await add_statuses(moot, people, root, 5)
    small = await page_costs(moot, people, root, tokens)
    await add_statuses(moot, people, root, 15)
    large = await page_costs(moot, people, root, tokens)
    print({name: (small[name], large[name]) for name in PATHS})
    for name in PATHS:
        assert large[name][1] >= small[name][1] + 5, (name, small[name], large[name])  # the page really grew
        # A constant per page: a few statements more at most (a page of replies may add the parents' query).
        assert large[name][0] <= small[name][0] + 2, (name, small[name], large[name])
