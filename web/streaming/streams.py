"""The streams a client may subscribe to, by Mastodon's names, and which public post belongs to which."""
from __future__ import annotations

from dataclasses import dataclass

from federation.timelines import hashtags_of
from models.posts import Post

PUBLIC_KINDS = ("public", "public:local", "public:remote", "public:media", "public:local:media",
                "public:remote:media", "hashtag", "hashtag:local")
USER_KINDS = ("user", "user:notification")
KINDS = PUBLIC_KINDS + USER_KINDS
MAX_TAG = 100


class StreamError(ValueError):
    """A stream name Moot does not serve, or a hashtag stream without its tag."""


@dataclass(frozen=True)
class Stream:
    kind: str
    tag: str | None = None

    def names(self) -> list[str]:
        """As Mastodon labels each event: ["user"], or ["hashtag", "tag"]."""
        return [self.kind, self.tag] if self.tag is not None else [self.kind]

    @property
    def needs_user(self) -> bool:
        return self.kind in USER_KINDS


def parse_stream(kind: str, tag: str | None = None) -> Stream:
    kind = kind.strip()
    if kind not in KINDS:
        raise StreamError(f"Unknown stream type {kind!r}")
    if kind.startswith("hashtag"):
        name = (tag or "").strip().lstrip("#").lower()
        if not name or len(name) > MAX_TAG:
            raise StreamError("No tag for stream provided")
        return Stream(kind, name)
    return Stream(kind)


def public_match(stream: Stream, post: Post) -> bool:
    """Does this post (already known to be public) belong on this public stream?"""
    kind = stream.kind
    if kind in USER_KINDS:
        return False
    if ":local" in kind and not post.is_local:
        return False
    if ":remote" in kind and post.is_local:
        return False
    if kind.endswith(":media") and not post.attachments:
        return False
    if kind.startswith("hashtag"):
        return stream.tag in hashtags_of(post.tags)
    return True
