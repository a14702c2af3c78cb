"""Home timeline entries as Mastodon Statuses: a post as itself, a boost as Mastodon shows a reblog (its own
id, account and time; `reblog` the original status; empty content, as Mastodon's wrapper has)."""
from __future__ import annotations

from typing import Any

from federation.home_timeline import HomeEntry
from federation.render import iso
from models.actors import Actor
from web.api.serializers import account, status


async def entry_json(entry: HomeEntry, viewer: Actor | None,
                     accounts: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    accounts = {} if accounts is None else accounts
    original = await status(entry.post, viewer, accounts)
    boost = entry.boost
    if boost is None:
        return original
    await boost.fetch_related("actor")
    if boost.actor_id not in accounts:
        accounts[boost.actor_id] = await account(boost.actor)
    return {
        **original,
        "id": str(entry.id),
        "uri": boost.activity_uri,
        "url": boost.activity_uri,
        "created_at": iso(boost.created_at),
        "edited_at": None,
        "account": accounts[boost.actor_id],
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


async def entries_json(entries: list[HomeEntry], viewer: Actor | None) -> list[dict[str, Any]]:
    accounts: dict[int, dict[str, Any]] = {}
    return [await entry_json(entry, viewer, accounts) for entry in entries]
