"""Reading API parameters the way Mastodon clients send them: JSON, form data or the query string."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.protocol.json_body import JsonBodyError, loads_bounded, storable, storable_text

# API parameters are flat, or a list of objects (poll options, attachments' metadata): a few levels at most.
MAX_JSON_DEPTH = 16


async def read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        try:
            # Bounded: "[" * 300000 or a document hundreds of levels deep is a 400, not a RecursionError.
            body = loads_bounded(await request.read(), MAX_JSON_DEPTH)
        except JsonBodyError as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="the JSON body must be an object")
        params.update(body)
    elif request.can_read_body:
        params.update(await request.post())
    # No engine stores NUL (PostgreSQL refuses it): text arrives storable, whichever way it was sent.
    return {storable_text(key): storable(value) if isinstance(value, (str, list, dict)) else value
            for key, value in params.items()}


async def list_param(request: web.Request, params: dict[str, Any], name: str) -> list[str]:
    """A list parameter as Mastodon clients send it: a JSON list, or repeated `name[]` (or `name`) form or query
    fields (read_params keeps only one of repeated fields)."""
    value = params.get(name, params.get(f"{name}[]"))
    if isinstance(value, list):
        return [str(item) for item in value]
    values = request.query.getall(f"{name}[]", []) + request.query.getall(name, [])
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        values += form.getall(f"{name}[]", []) + form.getall(name, [])
    return [str(item) for item in values]


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


MAX_ID_DIGITS = 18  # a BIGINT; anything longer is no id of ours


def int_id(raw: str, what: str = "id") -> int:
    # isascii: "²" is a digit to str.isdigit but not to int().
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_ID_DIGITS:
        raise web.HTTPNotFound(text=f"no {what} {raw!r}")
    return int(raw)
