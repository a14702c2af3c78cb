"""The "Start here" teaser on a group's Posts tab: for newcomers (not members yet, or members for less than
14 days), the first few essential threads, "Start here" first, each only if the viewer may see it
(essentials_read.sections_for asks federation/audience.py). The caller has checked the group is readable."""
from __future__ import annotations

from federation import audience
from federation.community.essentials_read import is_newcomer, sections_for
from models.actors import Actor
from models.essentials import EssentialItem, EssentialSection

TEASER_ITEMS = 3


async def start_here_teaser(group: Actor, viewer: Actor | None, limit: int = TEASER_ITEMS) -> list[EssentialItem]:
    """Up to `limit` essential threads for a newcomer, in the order the Essentials tab shows them to one."""
    if not group.is_local or not await EssentialSection.filter(group=group).exists():
        return []
    if not await is_newcomer(group, viewer):
        return []
    items: list[EssentialItem] = []
    for view in await sections_for(group, audience.viewer_of(viewer), start_here_first=True):
        items.extend(view.items[:limit - len(items)])
        if len(items) >= limit:
            break
    return items
