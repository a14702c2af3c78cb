"""Reading JSON bodies from people and servers we do not trust, pure and without I/O.

`json.loads` recurses once per level of nesting: `"[" * 300000` ends in a RecursionError from deep
inside the parser, and a document a few hundred levels deep parses but makes any later recursive code
(storing, rendering, walking) fail the same way. `loads_bounded` turns both into a JsonBodyError that
names the problem, so a request answers 400, not 500.

Strings that no database can hold are a second problem: PostgreSQL refuses a NUL character (U+0000) in
text and in jsonb, and a lone surrogate (half of a UTF-16 pair, written as "\\ud800") cannot be encoded
as UTF-8 at all. `storable` removes the first and replaces the second, in keys and values alike.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
# Where an unstorable character can come from: a \u0000 escape, a surrogate escape (a pair decodes to one
# character, but telling pairs apart costs more than the walk it saves, and servers rarely send them), or
# (decoded with surrogatepass, as json.loads decodes bytes) a NUL or surrogate in the text itself.
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class JsonBodyError(ValueError):
    """A body that is not JSON we accept; the message is the reason, fit for a 400 answer."""


def loads_bounded(body: bytes | str, max_depth: int = MAX_DEPTH, *, storable_strings: bool = False) -> Any:
    """The parsed body, at most `max_depth` arrays or objects deep (the top level is 1).

    With `storable_strings`, every string (keys too) is made storable (see `storable`).
    """
    return _loads(_decoded(body), max_depth, storable_strings)[0]


def loads_storable(body: bytes | str, max_depth: int = MAX_DEPTH) -> tuple[Any, str]:
    """The parsed body as `loads_bounded(..., storable_strings=True)` gives it, and that value as JSON text
    to store: the body's own text when every string in it was storable already (almost always; encoding
    the value again would cost as much as parsing it), else the cleaned value encoded."""
    text = _decoded(body)
    value, cleaned = _loads(text, max_depth, True)
    return value, json.dumps(value) if cleaned else text


def _loads(text: str, max_depth: int, storable_strings: bool) -> tuple[Any, bool]:
    """The value, and whether strings in it were changed to make them storable."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonBodyError(f"the JSON is nested too deeply (more than {max_depth} levels)") from None
    except json.JSONDecodeError as exc:
        raise JsonBodyError(f"the body is not valid JSON: {exc}") from None
    # Each level opens with "[" or "{": with no more of them than levels allowed, the walk is not needed.
    if text.count("[") + text.count("{") > max_depth and exceeds_depth(value, max_depth):
        raise JsonBodyError(f"the JSON is nested too deeply (more than {max_depth} levels)")
    if storable_strings and _may_be_unstorable(text):  # the walk is needed only when one may be there
        return storable(value), True
    return value, False


def _decoded(body: bytes | str) -> str:
    if isinstance(body, str):
        return body
    try:
        # As json.loads does for bytes: UTF-8, or UTF-16/32 recognised by the first bytes.
        return body.decode(json.detect_encoding(body), "surrogatepass")
    except UnicodeDecodeError as exc:
        raise JsonBodyError(f"the body is not valid JSON: {exc}") from None


def _may_be_unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a surrogate
        return True
    return "\\u" in text and _UNSTORABLE_ESCAPE.search(text) is not None


def exceeds_depth(value: Any, max_depth: int) -> bool:
    """Whether arrays and objects nest deeper than `max_depth`; level by level, so any depth is safe."""
    level: list[Any] = [value] if isinstance(value, (dict, list)) else []
    depth = 1
    while level:
        if depth > max_depth:
            return True
        deeper = []
        for item in level:
            for child in item.values() if isinstance(item, dict) else item:
                if isinstance(child, (dict, list)):
                    deeper.append(child)
        level = deeper
        depth += 1
    return False


def storable_text(text: str) -> str:
    """`text` without NUL characters, each lone surrogate replaced by U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return _SURROGATE.sub("\ufffd", text)


def storable(value: Any) -> Any:
    """`value` with every string, key or value, made storable by `storable_text`; other values as they are.

    Recursive: call it on bounded documents (loads_bounded checks the depth first).
    """
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable_text(key): storable(item) for key, item in value.items()}
    return value
