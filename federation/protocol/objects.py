"""Posts and comments (Note, Page, Article, Video, Event, ...) read into an ObjectDoc.

`content` stays raw HTML here; sanitising is federation.content's job and
happens before anything is stored or shown. Every URL read here is an absolute
http(s) URL or nothing (common.is_http_url).
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

from federation.vocab import CONTENT_WARNING_TYPES, POST_TYPES

TAG_TYPES = frozenset({"Mention", "Hashtag", "Emoji"})
# Types that name a group or channel rather than the person who wrote a post.
_GROUP_TYPES = frozenset({"Group", "Organization"})
_PERSON = frozenset({"Person"})
_LINK = frozenset({"Link"})
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
# Post.language holds 16 characters; a longer tag is cut back to a shorter well-formed one, or dropped.
MAX_LANGUAGE_LENGTH = 16
# A well-formed BCP 47 language tag (RFC 5646, section 2.1), lowercased, without the grandfathered forms
# and with a primary language of 2 or 3 letters: the only lengths ever registered ("english" is no tag).
_LANGUAGE_TAG = re.compile(
    r"""^(?:
      [a-z]{2,3}(?:-[a-z]{3}){0,3}                  # language, with up to three extlangs
      (?:-[a-z]{4})?                                # script
      (?:-(?:[a-z]{2}|[0-9]{3}))?                   # region
      (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*      # variants
      (?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*          # extensions
      (?:-x(?:-[a-z0-9]{1,8})+)?                    # private use
    |x(?:-[a-z0-9]{1,8})+                           # a private-use tag alone
    )$""",
    re.VERBOSE,
)
# Markup and hashtags, taken off a summary to see whether it only repeats the title (Mbin's Page).
_MARKUP = re.compile(r"<[^>]*>")
_HASHTAG = re.compile(r"(?<!\w)#\w+")


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
    summary: str | None  # as sent; content_warning and description say what it means
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
    # `summary` read by type: a content warning on a Note or Question (or any sensitive object), else a
    # description (raw HTML) of an Article, Page, Event, Video...; a summary that only repeats the title
    # and hashtags (Mbin) is neither.
    content_warning: str | None
    description: str | None
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
    name = text_field(doc, "name")
    summary = text_field(doc, "summary")
    sensitive = flag(doc.get("sensitive"))
    content_warning, description = _summary_roles(object_type, summary, name, sensitive)
    return ObjectDoc(
        id=object_id,
        type=object_type,
        attributed_to=_author(doc.get("attributedTo")),
        content=_content(doc),
        summary=summary,
        name=name,
        sensitive=sensitive,
        in_reply_to=http_url_or_none(doc.get("inReplyTo")),
        published=parse_datetime(doc.get("published")),
        updated=parse_datetime(doc.get("updated")),
        url=pick_url(doc.get("url")),
        to=_addresses(doc.get("to")),
        cc=_addresses(doc.get("cc")),
        audience=_addresses(doc.get("audience")),
        tags=_tags(doc.get("tag")),
        attachments=_attachments(doc.get("attachment")),
        language=_language(doc),
        context=_context(doc),
        content_warning=content_warning,
        description=description,
        raw=doc,
    )


def _addresses(value: Any) -> tuple[str, ...]:
    """Recipients as http(s) URLs (the compact forms of Public are spelled out first); anything else is dropped."""
    return tuple(address for address in ids_of(value) if is_http_url(address))


def _summary_roles(
    object_type: str, summary: str | None, name: str | None, sensitive: bool
) -> tuple[str | None, str | None]:
    """(content warning, description) from `summary`.

    Mastodon reads `summary` as a content warning, and so do we on Notes and Questions, and on anything
    marked sensitive. On an Article, Page, Event, Video... it is a teaser or description (Mbin puts the
    title and the hashtags there, for Mastodon's sake: that repeats the post and is dropped).
    """
    if summary is None:
        return None, None
    if sensitive or object_type in CONTENT_WARNING_TYPES or object_type not in POST_TYPES:
        return summary, None
    return None, (None if _repeats_title(summary, name) else summary)


def _repeats_title(summary: str, name: str | None) -> bool:
    bare = " ".join(_HASHTAG.sub(" ", html.unescape(_MARKUP.sub(" ", summary))).split())
    if not bare:
        return True
    title = " ".join((name or "").split()).casefold()
    return bool(title) and title.startswith(bare.casefold().rstrip(".…").rstrip())


def _author(value: Any) -> str | None:
    """The person in `attributedTo`; PeerTube lists [Person, Group (channel)]."""
    candidates = as_list(value)
    for item in candidates:
        if has_type(item, _PERSON):
            return http_url_or_none(item)
    for item in candidates:
        if has_type(item, _GROUP_TYPES):
            continue
        found = http_url_or_none(item)
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
    """Language tag from `contentMap`, else Lemmy/PeerTube `language`, else `inLanguage` (Mobilizon).

    The first candidate that is a well-formed BCP 47 tag wins, in its canonical case; see language_tag.
    """
    candidates: list[Any] = []
    content_map = doc.get("contentMap")
    if isinstance(content_map, dict):
        candidates.extend(content_map)
    for key in ("language", "inLanguage"):
        value = doc.get(key)
        candidates.append(value.get("identifier") if isinstance(value, dict) else value)
    for candidate in candidates:
        tag = language_tag(candidate)
        if tag is not None:
            return tag
    return None


def language_tag(value: Any) -> str | None:
    """A well-formed BCP 47 tag in canonical case (`en`, `en-GB`, `zh-Hant-TW`, `und`), or None.

    `_` is read as `-` (`en_US` is common). A malformed tag is dropped. A well-formed one longer than
    MAX_LANGUAGE_LENGTH loses its extensions and private use, then subtags from the end, until it fits
    (`de-DE-1996-x-private-use` becomes `de-DE-1996`); the primary language always fits.
    """
    if not isinstance(value, str) or not value or len(value) > 256:
        return None
    tag = value.strip().replace("_", "-").lower()
    if not _LANGUAGE_TAG.match(tag):
        return None
    subtags = tag.split("-")
    if len(tag) > MAX_LANGUAGE_LENGTH and subtags[0] != "x":
        singleton = next((i for i, subtag in enumerate(subtags) if len(subtag) == 1), len(subtags))
        subtags = subtags[:singleton]
    while subtags:
        tag = "-".join(subtags)
        if len(tag) <= MAX_LANGUAGE_LENGTH and _LANGUAGE_TAG.match(tag):
            return _canonical_case(subtags)
        subtags.pop()
    return None


def _canonical_case(subtags: list[str]) -> str:
    """RFC 5646, 2.1.1: a region in capitals, a script in title case, everything else in lower case.

    Only before the first singleton: extensions and private use stay lower case.
    """
    out = [subtags[0]]
    singleton_seen = subtags[0] == "x"
    for subtag in subtags[1:]:
        singleton_seen = singleton_seen or len(subtag) == 1
        if not singleton_seen and len(subtag) == 2:
            out.append(subtag.upper())
        elif not singleton_seen and len(subtag) == 4 and subtag.isalpha():
            out.append(subtag.title())
        else:
            out.append(subtag)
    return "-".join(out)


def _context(doc: dict[str, Any]) -> str | None:
    for key in ("context", "conversation"):
        found = http_url_or_none(doc.get(key))
        if found is not None:
            return found
    return None
