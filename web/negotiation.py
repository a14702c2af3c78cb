"""Content negotiation and the JSON responses ActivityPub clients expect."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

ACTIVITY_JSON = "application/activity+json"
_AP_MEDIA_TYPES = ("application/activity+json", "application/ld+json")


def wants_activity_json(request: web.Request) -> bool:
    """True when the client asks for ActivityPub JSON rather than a page for people."""
    accept = request.headers.get("Accept", "")
    return any(media_type in accept for media_type in _AP_MEDIA_TYPES)


def activity_response(doc: dict[str, Any], status: int = 200) -> web.Response:
    response = web.Response(
        body=json.dumps(doc, ensure_ascii=False).encode(),
        status=status,
        content_type=ACTIVITY_JSON,
        charset="utf-8",
    )
    # Caches must not hand a browser's HTML to an ActivityPub client or the reverse.
    response.headers["Vary"] = "Accept"
    return response


def page_number(request: web.Request) -> int | None:
    """The ?page=N of a request; None when absent."""
    raw = request.query.get("page")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise web.HTTPBadRequest(text=f"page must be a positive whole number, got {raw!r}")
    return int(raw)
