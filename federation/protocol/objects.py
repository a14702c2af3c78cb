"""Posts and comments (Note, Page, Article, Video, Event, ...) read into an ObjectDoc.

`content` stays raw HTML here; sanitising is federation.content's job and
happens before anything is stored or shown.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from federation.protocol.common import (
    ProtocolError,
    as_list,
    first_text,
    flag,
    has_type,
    http_url_or_none,
    id_of,
    ids_of,
    is_http_url,
    parse_datetime,
    pick_type,
    pick_url,
    text_field,
)

POST_TYPES = frozenset({"Note", "Article", "Page", "Question", "Event", "Video"})
TAG_TYPES = frozenset({"Mention", "Hashtag", "Emoji"})
# Types that name a group or channel rather than the person who wrote a post.
_GROUP_TYPES = frozenset({"Group", "Organization"})
_PERSON = frozenset({"Person"})
_LINK = frozenset({"Link"})
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


@dataclass(frozen=True)
class TagDoc:
    type: str  # Mention, Hashtag or Emoji
    name: str | None
    href: str | None  # for an Emoji, the URL of its image


@dataclass(frozen=True)
class AttachmentDoc:
    type: str
    media_type: str | None
    url: str
    name: str | None  # alt text
    width: int | None
    height: int | None
    blurhash: str | None


@dataclass(frozen=True)
class ObjectDoc:
    id: str
    type: str
    attributed_to: str | None  # the person who wrote it, never the group it was posted to
    content: str | None  # raw, unsanitised HTML
    summary: str | None
    name: str | None
    sensitive: bool
    in_reply_to: str | None
    published: datetime | None
    updated: datetime | None
    url: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    audience: tuple[str, ...]
    tags: tuple[TagDoc, ...]
    attachments: tuple[AttachmentDoc, ...]
    language: str | None
    context: str | None  # `context`, else Mastodon's `conversation`
    raw: dict[str, Any] = field(compare=False, repr=False)


def parse_object(doc: Any) -> ObjectDoc:
    """Read a post-like object; raise ProtocolError without an http(s) id or a type."""
    if not isinstance(doc, dict):
        raise ProtocolError("object is not a JSON object")
    object_id = id_of(doc.get("id"))
    if object_id is None:
        raise ProtocolError("object has no 'id'")
    if not is_http_url(object_id):
        raise ProtocolError(f"object 'id' is not an http(s) URL: {object_id!r}")
    object_type = pick_type(doc.get("type"), POST_TYPES)
    if object_type is None:
        raise ProtocolError("object has no 'type'")
    return ObjectDoc(
        id=object_id,
        type=object_type,
        attributed_to=_author(doc.get("attributedTo")),
        content=_content(doc),
        summary=text_field(doc, "summary"),
        name=text_field(doc, "name"),
        sensitive=flag(doc.get("sensitive")),
        in_reply_to=id_of(doc.get("inReplyTo")),
        published=parse_datetime(doc.get("published")),
        updated=parse_datetime(doc.get("updated")),
        url=pick_url(doc.get("url")),
        to=ids_of(doc.get("to")),
        cc=ids_of(doc.get("cc")),
        audience=ids_of(doc.get("audience")),
        tags=_tags(doc.get("tag")),
        attachments=_attachments(doc.get("attachment")),
        language=_language(doc),
        context=_context(doc),
        raw=doc,
    )


def _author(value: Any) -> str | None:
    """The person in `attributedTo`; PeerTube lists [Person, Group (channel)]."""
    candidates = as_list(value)
    for item in candidates:
        if has_type(item, _PERSON):
            return id_of(item)
    for item in candidates:
        if has_type(item, _GROUP_TYPES):
            continue
        found = id_of(item)
        if found is not None:
            return found
    return None


def _content(doc: dict[str, Any]) -> str | None:
    """The HTML body: `content`, else `contentMap`, else the `source` text escaped.

    PeerTube labels its `content` as markdown; markdown is not HTML, so it is
    escaped like a source text rather than passed on as markup.
    """
    content = text_field(doc, "content")
    if content is not None:
        return _text_as_html(content) if doc.get("mediaType") == "text/markdown" else content
    source = doc.get("source")
    # Mbin puts a link URL in `source`, so only an object with text counts.
    if isinstance(source, dict):
        text = first_text(source.get("content"))
        if text is not None:
            return _text_as_html(text)
    return None


def _text_as_html(text: str) -> str:
    """Plain text to minimal safe HTML: escaped, with paragraphs and line breaks kept."""
    paragraphs = _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").strip())
    return "".join(
        "<p>" + html.escape(part).replace("\n", "<br>") + "</p>" for part in paragraphs if part
    )


def _tags(value: Any) -> tuple[TagDoc, ...]:
    tags: list[TagDoc] = []
    for item in as_list(value):
        tag_type = pick_type(item.get("type"), TAG_TYPES) if isinstance(item, dict) else None
        if tag_type not in TAG_TYPES:
            continue
        if tag_type == "Emoji":
            href = _emoji_image(item.get("icon"))
        else:
            href = http_url_or_none(item.get("href"))
        tags.append(TagDoc(type=tag_type, name=_string(item.get("name")), href=href))
    return tuple(tags)


def _emoji_image(icon: Any) -> str | None:
    if isinstance(icon, dict):
        return pick_url(icon.get("url"))
    return http_url_or_none(icon)


def _attachments(value: Any) -> tuple[AttachmentDoc, ...]:
    attachments: list[AttachmentDoc] = []
    for item in as_list(value):
        kind = pick_type(item.get("type"), _LINK) if isinstance(item, dict) else None
        if kind is None:
            continue
        # A Link carries its address in `href`; Documents and Images in `url`.
        url = pick_url(item.get("href") if kind == "Link" else item.get("url"))
        if url is None:
            continue
        attachments.append(
            AttachmentDoc(
                type=kind,
                media_type=_string(item.get("mediaType")),
                url=url,
                name=_string(item.get("name")),
                width=_dimension(item.get("width")),
                height=_dimension(item.get("height")),
                blurhash=_string(item.get("blurhash")),
            )
        )
    return tuple(attachments)


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dimension(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def _language(doc: dict[str, Any]) -> str | None:
    """Language tag from `contentMap`, else Lemmy/PeerTube `language`, else `inLanguage`."""
    content_map = doc.get("contentMap")
    if isinstance(content_map, dict):
        for key in content_map:
            if isinstance(key, str) and key:
                return key
    language = doc.get("language")
    if isinstance(language, dict):
        return _string(language.get("identifier"))
    return _string(language) or _string(doc.get("inLanguage"))


def _context(doc: dict[str, Any]) -> str | None:
    for key in ("context", "conversation"):
        found = id_of(doc.get(key))
        if found is not None:
            return found
    return None
