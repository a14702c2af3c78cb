"""Small, pure helpers for reading ActivityStreams JSON as real servers send it.

Every helper is lenient about shape (a value may be a string, an object, a
list of either, or missing) but never guesses a value that is not there.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# Compacted JSON-LD forms of the Public collection seen in the wild.
_PUBLIC_ALIASES = frozenset({"as:Public", "Public", PUBLIC})


class ProtocolError(ValueError):
    """Incoming JSON that cannot be understood; the message names the problem."""


def as_list(value: Any) -> list[Any]:
    """None -> [], a list -> a copy of it, anything else -> [value]."""
    if value is None:
        return []
    if isinstance(value, list):
        return list(value)
    return [value]


def id_of(value: Any) -> str | None:
    """The identifier of a reference: a string, an object's `id`, a Link's `href`.

    For a list, the first element that yields an identifier wins.
    """
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        for key in ("id", "href"):
            found = value.get(key)
            if isinstance(found, str) and found:
                return found
        return None
    if isinstance(value, list):
        for item in value:
            found = id_of(item)
            if found is not None:
                return found
    return None


def ids_of(value: Any) -> tuple[str, ...]:
    """Every identifier in a reference or list of references, in order, without repeats.

    The compacted forms of the Public collection are spelled out in full, so
    callers compare against one constant.
    """
    seen: dict[str, None] = {}
    for item in as_list(value):
        found = id_of(item)
        if found is None:
            continue
        seen.setdefault(PUBLIC if found in _PUBLIC_ALIASES else found, None)
    return tuple(seen)


# Longer URLs are refused: none is that long in practice, and the database columns hold 2048 characters.
MAX_URL_LENGTH = 2048
# Characters RFC 3986 never allows unencoded in a URL: in HTML they end an attribute or open a tag, and
# browsers read a backslash as a slash. (RFC 3986 excludes `{}|^` too; real servers send those now and
# then, and they are harmless in HTML, so they pass.)
_NOT_IN_URLS = frozenset('<>"`\\')
# The same test as one regular expression (\s is str.isspace()), for speed: every inbox request checks several URLs.
_REFUSED_IN_URLS = re.compile(r'[\s<>"`\\\x00-\x1f\x7f]')


def is_http_url(value: Any) -> bool:
    """True for an absolute http(s) URL with a host, at most MAX_URL_LENGTH long.

    Whitespace, control characters, `<>"`, the backtick and the backslash are refused rather than escaped:
    a URL that needs them was not written by a server that means well.
    """
    if not isinstance(value, str) or not value or len(value) > MAX_URL_LENGTH:
        return False
    if _REFUSED_IN_URLS.search(value):
        return False
    try:
        parts = urlsplit(value)
        # Reading .port raises for a non-numeric or out-of-range port.
        parts.port  # noqa: B018
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def host_of(url: str) -> str:
    """The lowercased host, with its port if one is given, of an absolute URL.

    Raises ProtocolError rather than returning "", because an empty host would
    make two unrelated documents look like they share an origin.
    """
    # Cached: the inbox asks for the same few hosts several times per request.
    return _cached_host_of(url) if isinstance(url, str) else _host_of(url)


def _host_of(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except (ValueError, TypeError, AttributeError) as exc:
        raise ProtocolError(f"not a valid URL: {url!r}") from exc
    host = parts.hostname
    if not host:
        raise ProtocolError(f"URL has no host: {url!r}")
    # hostname drops the brackets of an IPv6 literal; keep them so a port stays unambiguous.
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}" if port is not None else host


_cached_host_of = functools.lru_cache(maxsize=4096)(_host_of)


def http_url_or_none(value: Any) -> str | None:
    """The identifier of `value` if it is an http(s) URL, else None."""
    found = id_of(value)
    return found if is_http_url(found) else None


def parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 string, or None when unreadable.

    Accepts 'Z', any number of fractional digits (nanoseconds are truncated)
    and a missing offset, which is read as UTC.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = _trim_fraction(value.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _trim_fraction(text: str) -> str:
    """Cut fractional seconds to 6 digits; some servers send 7 or 9."""
    dot = text.find(".", text.find("T") + 1 if "T" in text else len(text))
    if dot == -1:
        return text
    end = dot + 1
    while end < len(text) and text[end].isdigit():
        end += 1
    if end - dot - 1 <= 6:
        return text
    return text[: dot + 7] + text[end:]


def first_text(value: Any) -> str | None:
    """A non-empty string from a plain value, a language map, or a list of strings.

    For a map such as `contentMap` the first non-empty value is taken: the
    map's order is the sender's order, and servers put the main language first.
    """
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        return _first_string(value.values())
    if isinstance(value, list):
        return _first_string(value)
    return None


def _first_string(values: Iterable[Any]) -> str | None:
    for item in values:
        if isinstance(item, str) and item:
            return item
    return None


def text_field(doc: dict[str, Any], key: str) -> str | None:
    """`key` as text, falling back to its language map (`keyMap`)."""
    return first_text(doc.get(key)) or first_text(doc.get(f"{key}Map"))


def flag(value: Any) -> bool:
    """True only for JSON true: a missing or odd value never switches a flag on."""
    return value is True


def pick_type(value: Any, known: frozenset[str]) -> str | None:
    """The first known type of a `type` that may be a string or a list.

    Falls back to the first string so that unknown types still reach the
    caller, which decides whether to ignore them.
    """
    candidates = [item for item in as_list(value) if isinstance(item, str) and item]
    for item in candidates:
        if item in known:
            return item
    return candidates[0] if candidates else None


def type_of(value: Any, known: frozenset[str]) -> str | None:
    """The first of an object's types that is in `known`, or None (also for anything not an object).

    `type` may be a string or a list (JSON-LD allows `["Note", "http://schema.org/Thing"]`): handlers read
    types only through this and the helpers beside it, never by comparing a raw `type` value.
    """
    if not isinstance(value, dict):
        return None
    for item in as_list(value.get("type")):
        if isinstance(item, str) and item in known:
            return item
    return None


def has_type(value: Any, types: frozenset[str]) -> bool:
    """True if `value` is an object whose `type` (a string or a list) includes one of `types`."""
    if not isinstance(value, dict):
        return False
    return any(isinstance(item, str) and item in types for item in as_list(value.get("type")))


def pick_url(value: Any) -> str | None:
    """A page URL from a string, a Link, or a list of Links; text/html is preferred."""
    links = as_list(value)
    for link in links:
        if isinstance(link, dict) and link.get("mediaType") == "text/html":
            href = http_url_or_none(link.get("href") or link.get("url"))
            if href:
                return href
    for link in links:
        if isinstance(link, dict):
            href = http_url_or_none(link.get("href") or link.get("url"))
        else:
            href = http_url_or_none(link)
        if href:
            return href
    return None
