"""Text to HTML and HTML sanitising for posts, pure and without I/O.

Federated HTML is cleaned with an allowlist close to what Mastodon keeps
(protocol.md, rule 6). Local plain text is escaped first and only then
given the links, mentions and hashtags we create ourselves.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

_ALLOWED_TAGS = frozenset(
    {
        "p", "br", "a", "span", "strong", "em", "b", "i", "u", "s", "del",
        "code", "pre", "blockquote", "ul", "ol", "li", "sup", "sub",
        # Block elements kept so their text stays apart: stripping `<h2>Title</h2>Text` would leave "TitleText".
        "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    }
)  # fmt: skip
# Classes Mastodon uses to mark up mentions, hashtags and shortened links.
_ALLOWED_CLASSES = frozenset({"mention", "hashtag", "u-url", "h-card", "invisible", "ellipsis"})
# Tags whose text is never meant for the reader: removed with their content.
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "noscript"})
LINK_REL = "nofollow noopener noreferrer"

_CLEANER = nh3.Cleaner(
    tags=set(_ALLOWED_TAGS),
    clean_content_tags=set(_DROPPED_WITH_CONTENT),
    # `rel` and `class` are not listed: `link_rel` forces rel, `allowed_classes` filters class.
    attributes={"a": {"href", "title"}},
    allowed_classes={"a": set(_ALLOWED_CLASSES), "span": set(_ALLOWED_CLASSES)},
    link_rel=LINK_REL,
    url_schemes={"http", "https", "mailto"},
    # A relative link in federated HTML points at nothing we know of.
    url_relative="deny",
    strip_comments=True,
)

# A URL runs to whitespace or markup-ish characters; trailing punctuation is trimmed after.
_URL_RE = re.compile(r"(?<!\w)https?://[^\s<>\"'`]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\"*"
_MENTION_RE = re.compile(
    r"(?<![\w/=@.:+-])@(?P<user>\w(?:[\w.-]*\w)?)(?:@(?P<domain>\w(?:[\w.-]*\w)?(?::\d{1,5})?))?(?![\w@])"
)
_HASHTAG_RE = re.compile(r"(?<![\w&/#])#(?P<tag>\w+)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


def sanitize_html(html_text: str) -> str:
    """Keep only safe, Mastodon-like markup; links get a forced `rel`."""
    return _CLEANER.clean(html_text)


@dataclass(frozen=True)
class MentionRef:
    username: str
    domain: str | None  # None for a local mention such as "@bob"
    text: str  # as written: "@alice@example.com" or "@bob"


def find_mentions(text: str) -> list[MentionRef]:
    """Mentions in plain text, in order, each once (case-insensitively); URLs are skipped."""
    found: dict[str, MentionRef] = {}
    for match in _MENTION_RE.finditer(_blank_urls(text)):
        ref = MentionRef(username=match["user"], domain=match["domain"], text=match[0])
        found.setdefault(ref.text.lower(), ref)
    return list(found.values())


def find_hashtags(text: str) -> list[str]:
    """Hashtag names without '#', in order, each once (case-insensitively); URLs are skipped."""
    found: dict[str, str] = {}
    for match in _HASHTAG_RE.finditer(_blank_urls(text)):
        tag = match["tag"]
        if not tag.isdigit():
            found.setdefault(tag.casefold(), tag)
    return list(found.values())


def render_text(
    text: str,
    *,
    mention_urls: Mapping[str, str],
    tag_url: Callable[[str], str],
) -> str:
    """Plain text to safe HTML with paragraphs, line breaks, links, mentions and hashtags.

    `mention_urls` maps "@user@domain" (or "@user" for local users) to the
    profile URL; a mention is looked up as written, then lowercased, and one
    missing from it stays plain text.
    """
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [part for part in _PARAGRAPH_BREAK.split(normalized) if part.strip()]
    return "".join(
        f"<p>{_render_paragraph(part, mention_urls, tag_url)}</p>" for part in paragraphs
    )


def html_to_text(html_text: str) -> str:
    """Readable text from HTML for previews and search: no tags, line breaks kept."""
    parser = _TextExtractor()
    parser.feed(html_text)
    parser.close()
    return parser.text()


# --- rendering -----------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    html: str


def _render_paragraph(
    text: str, mention_urls: Mapping[str, str], tag_url: Callable[[str], str]
) -> str:
    spans = _url_spans(text)
    blanked = _blank(text, spans)
    spans += _mention_spans(blanked, mention_urls)
    spans += _hashtag_spans(blanked, tag_url)
    spans.sort(key=lambda span: span.start)
    out: list[str] = []
    position = 0
    for span in spans:
        out.append(_escape_lines(text[position : span.start]))
        out.append(span.html)
        position = span.end
    out.append(_escape_lines(text[position:]))
    return "".join(out)


def _escape_lines(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _url_spans(text: str) -> list[_Span]:
    spans: list[_Span] = []
    for match in _URL_RE.finditer(text):
        url = _trim_url(match[0])
        if not _has_host(url):
            continue
        href = html.escape(url)
        link = f'<a href="{href}" rel="{LINK_REL}" target="_blank">{href}</a>'
        spans.append(_Span(match.start(), match.start() + len(url), link))
    return spans


def _has_host(url: str) -> bool:
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:  # e.g. an unbalanced '[' in the host part
        return False


def _trim_url(url: str) -> str:
    """Drop sentence punctuation after a URL, and a ')' that closes prose, not the URL."""
    while url:
        if url[-1] in _URL_TRAILING:
            url = url[:-1]
        elif url[-1] == ")" and url.count("(") < url.count(")"):
            url = url[:-1]
        else:
            break
    return url


def _mention_spans(blanked: str, mention_urls: Mapping[str, str]) -> list[_Span]:
    spans: list[_Span] = []
    for match in _MENTION_RE.finditer(blanked):
        url = mention_urls.get(match[0]) or mention_urls.get(match[0].lower())
        if url is None:
            continue  # unknown people stay plain text
        link = (
            f'<span class="h-card"><a href="{html.escape(url)}" class="u-url mention">'
            f"@<span>{html.escape(match['user'])}</span></a></span>"
        )
        spans.append(_Span(match.start(), match.end(), link))
    return spans


def _hashtag_spans(blanked: str, tag_url: Callable[[str], str]) -> list[_Span]:
    spans: list[_Span] = []
    for match in _HASHTAG_RE.finditer(blanked):
        tag = match["tag"]
        if tag.isdigit():
            continue
        link = (
            f'<a href="{html.escape(tag_url(tag))}" class="mention hashtag" rel="tag">'
            f"#<span>{html.escape(tag)}</span></a>"
        )
        spans.append(_Span(match.start(), match.end(), link))
    return spans


def _blank_urls(text: str) -> str:
    return _blank(text, _url_spans(text))


def _blank(text: str, spans: list[_Span]) -> str:
    """Replace spans by spaces of equal length so later matches keep their offsets."""
    chars = list(text)
    for span in spans:
        chars[span.start : span.end] = " " * (span.end - span.start)
    return "".join(chars)


# --- HTML to text --------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        "p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr",
        "section", "article", "header", "footer", "aside", "figure", "figcaption", "dl", "details",
    }
)  # fmt: skip
_LINE_TAGS = frozenset({"br", "li", "tr", "dt", "dd", "summary"})
_SILENT_TAGS = frozenset({"script", "style", "template", "noscript"})


class _TextExtractor(HTMLParser):
    """Collects text; <br> becomes a newline and block elements a paragraph break."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._silent_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SILENT_TAGS:
            self._silent_depth += 1
        elif tag in _LINE_TAGS:
            self._parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self._parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # `<br/>`, `<hr/>`: a void element written self-closed separates like the plain form.
        if tag in _LINE_TAGS:
            self._parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self._parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SILENT_TAGS:
            self._silent_depth = max(0, self._silent_depth - 1)
        elif tag in _BLOCK_TAGS:
            self._parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._silent_depth:
            self._parts.append(data)

    def text(self) -> str:
        joined = "".join(self._parts).replace("\xa0", " ")
        lines = [line.strip() for line in joined.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
