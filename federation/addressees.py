"""Recording whom a followers-only or direct post addresses, so that federation/audience.py can ask a query."""
from __future__ import annotations

from typing import Any

from federation.vocab import PUBLIC_ALIASES
from models.actors import Actor
from models.posts import Post, PostAddressee

NARROW_VISIBILITIES = ("private", "direct")


def addressed_uris(to: Any, cc: Any, tags: Any) -> set[str]:
    """Every actor URI in to, cc and the Mention tags (collections and Public are filtered out by the lookup)."""
    uris = {item for item in [*(to or []), *(cc or [])] if isinstance(item, str)}
    uris |= {
        tag["href"] for tag in tags or []
        if isinstance(tag, dict) and tag.get("type") == "Mention" and isinstance(tag.get("href"), str)
    }
    return uris - PUBLIC_ALIASES


async def record_addressees(post: Post, *, replace: bool = False) -> None:
    """Rows for each known actor a narrow post addresses. A new post has none yet; `replace` drops the old ones
    first (an edit keeps its audience today: federation/remote_posts.py edited_fields)."""
    if replace:
        await PostAddressee.filter(post_id=post.id).delete()
    if post.visibility not in NARROW_VISIBILITIES:
        return
    uris = addressed_uris(post.to, post.cc, post.tags)
    if not uris:
        return
    actor_ids = await Actor.filter(uri__in=list(uris)).values_list("id", flat=True)
    await PostAddressee.bulk_create(
        [PostAddressee(post_id=post.id, actor_id=actor_id) for actor_id in set(actor_ids)], ignore_conflicts=True
    )
