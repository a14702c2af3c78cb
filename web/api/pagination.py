"""Mastodon's pagination: `max_id`, `since_id`, `min_id` and `limit`, newest first, with a Link header.

Every list the client API serves pages this way, so clients scroll and refresh the same on each of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence
from urllib.parse import urlencode

from aiohttp import web
from tortoise.queryset import QuerySet

from web import app_keys as keys

DEFAULT_LIMIT = 20
MAX_LIMIT = 40


@dataclass(frozen=True)
class PageParams:
    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int


def _id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 20 else None


def page_params(request: web.Request, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> PageParams:
    raw_limit = request.query.get("limit", "")
    limit = int(raw_limit) if raw_limit.isdigit() and len(raw_limit) < 6 else default
    return PageParams(_id(request.query.get("max_id")), _id(request.query.get("since_id")),
                      _id(request.query.get("min_id")), max(1, min(limit, maximum)))


async def fetch_page(query: QuerySet, params: PageParams, field: str = "id") -> list[Any]:
    """One page of `query`, newest (highest `field`) first. With `min_id` the page is the one right after it."""
    if params.max_id is not None:
        query = query.filter(**{f"{field}__lt": params.max_id})
    if params.since_id is not None:
        query = query.filter(**{f"{field}__gt": params.since_id})
    if params.min_id is not None:
        rows = await query.filter(**{f"{field}__gt": params.min_id}).order_by(field).limit(params.limit)
        return list(reversed(rows))
    return list(await query.order_by(f"-{field}").limit(params.limit))


def link_header(request: web.Request, ids: Sequence[int], params: PageParams) -> dict[str, str]:
    """The Link header for a page whose rows have these ids (newest first); {} for an empty page."""
    if not ids:
        return {}
    kept = {key: value for key, value in request.query.items() if key not in ("max_id", "since_id", "min_id")}
    # The public URL (MOOT_BASE_URL), not the one a proxy forwarded to.
    base = request.app[keys.FEDERATION].base_url + request.path
    older = urlencode({**kept, "max_id": ids[-1]})
    newer = urlencode({**kept, "min_id": ids[0]})
    links = [f'<{base}?{older}>; rel="next"'] if len(ids) >= params.limit else []
    links.append(f'<{base}?{newer}>; rel="prev"')
    return {"Link": ", ".join(links)}
