"""Reading API parameters the way Mastodon clients send them: JSON, form data or the query string."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web


async def read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError as exc:
            raise web.HTTPBadRequest(text=f"the body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="the JSON body must be an object")
        params.update(body)
    elif request.can_read_body:
        params.update(await request.post())
    return params


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def int_id(raw: str, what: str = "id") -> int:
    if not raw.isdigit():
        raise web.HTTPNotFound(text=f"no {what} {raw!r}")
    return int(raw)
