"""A person's posting defaults: who sees a new post, whether it is marked sensitive, and its language, when
the composer or the app does not say (Mastodon's `source.privacy`, `source.sensitive`, `source.language`).

Stored on the person's LocalUser. A page (or any actor without an account) posts with the public defaults.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel import Locale

from models.actors import Actor, LocalUser

# As Mastodon's `default_privacy`: a direct message is chosen for each post, never by default.
DEFAULT_VISIBILITIES = ("public", "unlisted", "private")
# From the widest audience to the narrowest: a reply is never wider than its parent or the default.
NARROWING = ("public", "unlisted", "private", "direct")


@dataclass(frozen=True)
class PostingDefaults:
    visibility: str = "public"
    sensitive: bool = False
    language: str | None = None


PUBLIC_DEFAULTS = PostingDefaults()


class PostingDefaultsError(ValueError):
    """A value that is not a posting default; `field` is the one at fault (visibility or language)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@cache
def language_codes() -> frozenset[str]:
    """The ISO 639-1 codes (two letters) a default language may be, from Babel's (CLDR) list."""
    return frozenset(code for code in Locale("en").languages if len(code) == 2 and code.isalpha())


def defaults_of(account: LocalUser | None) -> PostingDefaults:
    if account is None:
        return PUBLIC_DEFAULTS
    visibility = account.default_visibility if account.default_visibility in DEFAULT_VISIBILITIES else "public"
    return PostingDefaults(visibility, bool(account.default_sensitive), account.default_language or None)


async def posting_defaults(actor: Actor | int) -> PostingDefaults:
    """The actor's defaults: a person's own, else (a page) the public ones."""
    actor_id = actor if isinstance(actor, int) else actor.id
    return defaults_of(await LocalUser.filter(actor_id=actor_id).first())


def checked_visibility(value: object) -> str:
    text = str(value or "").strip().lower()
    if text not in DEFAULT_VISIBILITIES:
        raise PostingDefaultsError("visibility", f"privacy must be one of {', '.join(DEFAULT_VISIBILITIES)}")
    return text


def checked_language(value: object) -> str | None:
    """An ISO 639-1 code, lower-cased; empty (or None) clears the default."""
    text = str(value or "").strip().lower()
    if not text:
        return None
    if text not in language_codes():
        raise PostingDefaultsError("language", "language must be an ISO 639-1 code, such as en or nl")
    return text


async def save_posting_defaults(account: LocalUser, *, visibility: object = None, sensitive: bool | None = None,
                                language: object = ...) -> PostingDefaults:
    """Check and store the given defaults (None, or ... for the language, leaves one as it is). Nothing is saved
    when one is wrong (PostingDefaultsError)."""
    changes: dict[str, object] = {}
    if visibility is not None:
        changes["default_visibility"] = checked_visibility(visibility)
    if language is not ...:
        changes["default_language"] = checked_language(language)
    if sensitive is not None:
        changes["default_sensitive"] = bool(sensitive)
    if changes:
        await LocalUser.filter(id=account.id).update(**changes)
        for name, value in changes.items():
            setattr(account, name, value)
    return defaults_of(account)


def narrowest(*visibilities: str) -> str:
    """The narrowest of these audiences (as Mastodon's composer picks a reply's: never wider than either)."""
    return max(visibilities, key=lambda v: NARROWING.index(v) if v in NARROWING else len(NARROWING) - 1)
