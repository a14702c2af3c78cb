"""RSS 2.0 and Atom feeds of public groups, pages (and people), hashtags and a group's essentials.

Only what an anonymous visitor may see goes in a feed (`audience.visible_posts(ANONYMOUS)`): a private
group has no feed at all (the caller answers 404, as for a missing one, when `feedable_group` says no).
The documents are written with feedgen (pure: no I/O in `render_feed`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from feedgen.feed import FeedGenerator

from federation import audience
from federation.content import html_to_text
from federation.community.essentials_read import sections_for
from models.actors import Actor
from models.posts import Post

FEED_SIZE = 30
TAG_SCAN = 2000
FORMATS = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class FeedInfo:
    """What the feed is about: its title, the HTML page it mirrors and the feed's own URL."""

    title: str
    page_url: str
    feed_url: str
    description: str
    language: str | None = None


def _public() -> object:
    return audience.visible_posts(audience.ANONYMOUS)


async def feedable_group(group: Actor) -> bool:
    """A group has a public feed when anyone may read its content."""
    return await audience.may_see_group_content(group, audience.ANONYMOUS)


async def group_posts(group: Actor) -> list[Post]:
    """The newest threads (top-level posts) of a public group."""
    return await (
        Post.filter(_public(), group_id=group.id, in_reply_to_uri=None)
        .order_by("-published", "-id").limit(FEED_SIZE).prefetch_related("author")
    )


async def actor_posts(actor: Actor) -> list[Post]:
    """The newest public top-level posts of a page or person (not those written into groups)."""
    return await (
        Post.filter(_public(), author_id=actor.id, in_reply_to_uri=None, audience_group_id=None, visibility="public")
        .order_by("-published", "-id").limit(FEED_SIZE).prefetch_related("author")
    )


def _has_tag(tags: object, tag: str) -> bool:
    for item in tags if isinstance(tags, list) else []:
        if isinstance(item, dict) and item.get("type") == "Hashtag":
            if str(item.get("name", "")).lstrip("#").casefold() == tag:
                return True
    return False


async def tag_posts(tag: str) -> list[Post]:
    """The newest listed public posts with a hashtag (the same scan as the tag page)."""
    tag = tag.casefold()
    rows = await (
        Post.filter(audience.listed_posts(audience.ANONYMOUS), visibility="public")
        .order_by("-published", "-id").limit(TAG_SCAN).values("id", "tags")
    )
    ids = [row["id"] for row in rows if _has_tag(row["tags"], tag)][:FEED_SIZE]
    return await Post.filter(id__in=ids).order_by("-published", "-id").prefetch_related("author") if ids else []


async def essential_posts(group: Actor) -> list[Post]:
    """A public group's essentials, section by section, in their order."""
    posts: list[Post] = []
    for view in await sections_for(group, audience.ANONYMOUS):
        posts.extend(item.post for item in view.items)
    return posts[:FEED_SIZE * 3]


def _plain_title(post: Post) -> str:
    if post.name:
        return post.name[:200]
    text = " ".join(html_to_text(post.content or "").split())
    return text[:80] + ("…" if len(text) > 80 else "") or "…"


def render_feed(info: FeedInfo, posts: list[Post], fmt: str, thread_url) -> bytes:
    """The feed document (fmt "rss" or "atom"). `thread_url(post)` gives the page an item links to.

    A post with a content warning shows only the warning, as on the site before one opens it.
    """
    fg = FeedGenerator()
    fg.id(info.feed_url)
    fg.title(info.title)
    fg.link(href=info.page_url, rel="alternate")
    fg.link(href=info.feed_url, rel="self", type=FORMATS[fmt])
    fg.description(info.description or info.title)
    fg.subtitle(info.description or info.title)
    if info.language:
        fg.language(info.language)
    fg.updated(max((p.edited_at or p.published for p in posts), default=_EPOCH))
    for post in posts:
        entry = fg.add_entry(order="append")
        entry.id(post.uri)
        entry.guid(post.uri, permalink=False)
        entry.title(_plain_title(post))
        entry.link(href=thread_url(post))
        author = post.author
        entry.author({"name": author.display_name or author.username or author.domain, "uri": author.url or author.uri})
        entry.published(post.published)
        entry.updated(post.edited_at or post.published)
        if post.summary:
            entry.description(post.summary)
        else:
            entry.description(post.content or "")
            entry.content(post.content or "", type="html")
    return fg.atom_str(pretty=False) if fmt == "atom" else fg.rss_str(pretty=False)
