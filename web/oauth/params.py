"""Reading OAuth parameters: query string, form or JSON body, as Mastodon accepts them."""
from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from aiohttp import web

MAX_VALUE = 4096


async def read_params(request: web.Request) -> dict[str, Any]:
    """The request's parameters: the body's (form or JSON) over the query string's. Values are strings,
    or lists of strings where a JSON client sent a list; overlong values are cut (then fail validation)."""
    params: dict[str, Any] = {key: value for key, value in request.query.items()}
    if request.method == "POST":
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise web.HTTPBadRequest(text="the body is not valid JSON")
            if not isinstance(body, dict):
                raise web.HTTPBadRequest(text="the body must be a JSON object")
            params.update(body)
        else:
            form = await request.post()
            params.update({key: form.getall(key) if len(form.getall(key)) > 1 else form[key] for key in form})
    cleaned: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, list):
            cleaned[key] = [str(item)[:MAX_VALUE] for item in value if isinstance(item, (str, int))]
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            cleaned[key] = str(value)[:MAX_VALUE]
    return cleaned


def text(params: dict[str, Any], key: str) -> str:
    value = params.get(key, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def basic_credentials(request: web.Request) -> tuple[str, str] | None:
    """HTTP Basic client authentication (RFC 6749 2.3.1: both parts form-encoded)."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (unquote(client_id), unquote(secret)) if sep else None
