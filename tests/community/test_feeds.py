"""RSS 2.0 and Atom feeds (federation/community/feeds.py, web/pages/feeds.py), parsed with feedparser:
the right items for a public group, a page, a tag and a group's essentials, discovered from the HTML;
a private group has none (404, like a missing one), and nothing non-public gets in."""
from __future__ import annotations

import re

import feedparser

from models.essentials import EssentialItem, EssentialSection
from tests.conftest import MootInstance
from tests.groups.helpers import make_group


async def get(moot: MootInstance, path: str) -> tuple[int, str, str]:
    async with moot.session.get(moot.base_url + path) as resp:
        return resp.status, resp.content_type, await resp.text()


async def parsed(moot: MootInstance, path: str, content_type: str) -> feedparser.FeedParserDict:
    code, ctype, body = await get(moot, path)
    assert code == 200, (path, body[:300])
    assert ctype == content_type
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.bozo_exception
    return feed


async def test_feeds_of_groups_pages_tags_and_essentials(moot: MootInstance) -> None:
    group, owner, token, _ = await make_group(moot, "orchard", display_name="Orchard friends")
    vault, _, vault_token, _ = await make_group(moot, "vault", private=True)
    for title in ("Pruning in winter", "Grafting day"):
        code, _ = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", token,
                                 json={"title": title, "body": f"{title}: come along #apples"})
        assert code in (200, 201)
    code, secret = await moot.api("POST", f"/api/moot/v1/groups/{vault.id}/posts", vault_token,
                                  json={"title": "Kanarie members only", "body": "secret #apples"})
    assert code in (200, 201)
    page, page_token = await moot.page("cider", owner, display_name="Cider house")
    for text, visibility in (("Pressing starts Monday #apples", "public"), ("Only for followers", "private")):
        code, _ = await moot.api("POST", "/api/v1/statuses", page_token, json={"status": text, "visibility": visibility})
        assert code == 200

    for fmt, ctype in (("rss", "application/rss+xml"), ("atom", "application/atom+xml")):
        feed = await parsed(moot, f"/groups/orchard/feed.{fmt}", ctype)
        assert feed.feed.title == "Orchard friends"
        assert [e.title for e in feed.entries] == ["Grafting day", "Pruning in winter"]
        assert all(e.link.startswith(f"{moot.base_url}/threads/") for e in feed.entries)

        feed = await parsed(moot, f"/@cider/feed.{fmt}", ctype)
        assert [e.title for e in feed.entries] == ["Pressing starts Monday #apples"]

        feed = await parsed(moot, f"/tags/apples/feed.{fmt}", ctype)
        titles = [e.title for e in feed.entries]
        assert "Grafting day" in titles and "Pressing starts Monday #apples" in titles
        assert not any("Kanarie" in t for t in titles)

        # A private group has no public feed: 404, as for a group that does not exist.
        for path in (f"/groups/vault/feed.{fmt}", f"/groups/vault/essentials/feed.{fmt}", f"/groups/nope/feed.{fmt}"):
            code, _, body = await get(moot, path)
            assert code == 404 and "Kanarie" not in body

    # The essentials feed lists the threads a moderator put there, in order.
    moot.use()
    section = await EssentialSection.create(group=group, name="Start here", position=0)
    first = await group.group_posts.filter(name="Pruning in winter").first()
    await EssentialItem.create(group=group, section=section, post=first, position=0)
    feed = await parsed(moot, "/groups/orchard/essentials/feed.atom", "application/atom+xml")
    assert [e.title for e in feed.entries] == ["Pruning in winter"]

    # Discovery: the HTML pages link their feeds; a private group's page does not.
    for path, feed_path in (("/groups/orchard", "/groups/orchard/feed.rss"), ("/@cider", "/@cider/feed.rss"),
                            ("/tags/apples", "/tags/apples/feed.rss")):
        code, _, html = await get(moot, path)
        assert code == 200
        assert re.search(rf'<link rel="alternate" type="application/rss\+xml" href="{re.escape(feed_path)}"', html), path
        assert 'type="application/atom+xml"' in html
    code, _, html = await get(moot, "/groups/vault")
    assert "application/rss+xml" not in html
    assert secret["id"]
