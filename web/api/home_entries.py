"""Home timeline entries as Mastodon Statuses: a post as itself, a boost as Mastodon shows a reblog (its own
id, account and time; `reblog` the original status; empty content, as Mastodon's wrapper has)."""
from __future__ import annotations

from typing import Any

from federation.home_timeline import HomeEntry
from federation.render import iso
from models.actors import Actor
from web.api.serializers import accounts, statuses


async def entry_json(entry: HomeEntry, viewer: Actor | None) -> dict[str, Any]:
    return (await entries_json([entry], viewer))[0]


async def entries_json(entries: list[HomeEntry], viewer: Actor | None) -> list[dict[str, Any]]:
    """The entries in the order given; the originals and the boosters' accounts are loaded for the whole list."""
    originals = await statuses([entry.post for entry in entries], viewer)
    booster_ids = {entry.boost.actor_id for entry in entries if entry.boost is not None}
    boosters = await accounts(await Actor.filter(id__in=booster_ids)) if booster_ids else {}
    return [_wrapped(entry, original, boosters) for entry, original in zip(entries, originals)]


def _wrapped(entry: HomeEntry, original: dict[str, Any], boosters: dict[int, dict[str, Any]]) -> dict[str, Any]:
    boost = entry.boost
    if boost is None:
        return original
    return {
        **original,
        "id": str(entry.id),
        "uri": boost.activity_uri,
        "url": boost.activity_uri,
        "created_at": iso(boost.created_at),
        "edited_at": None,
        "account": boosters[boost.actor_id],
        "content": "",
        "text": None,
        "visibility": "public",
        "sensitive": False,
        "spoiler_text": "",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "pinned": False,
        "mentions": [],
        "tags": [],
        "media_attachments": [],
        "emojis": [],
        "poll": None,
        "card": None,
        "reblog": original,
    }
