"""Writing a sentence in one language, as HTML or as plain text.

Every message is looked up in the language's catalogue and filled with its parts. As HTML, the message
is escaped, every part that is not already Markup (names, reasons, titles: people's input) is escaped, and
the only markup is what this module builds (links, <code>, <time>). As text, nothing is escaped: the JSON
API's `text` is plain.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Any, Union

from babel.lists import format_list
from markupsafe import Markup, escape

from models.actors import Actor
from web.i18n import N_
from web.timezones import format_local_time

Part = Union[str, Markup]

NAME_LENGTH = 80
# Babel's list and date conventions per language: Moot's English is British ("a, b and c", "1 Dec 2026").
_LIST_LOCALES = {"en": "en_GB"}

SOMEONE = N_("A moderator")
GONE_ACCOUNT = N_("an account that is gone")
GONE_GROUP = N_("a group that is gone")
WITH_REASON = N_("%(sentence)s: %(reason)s")


class _English:
    """The source language: messages are English already."""

    @staticmethod
    def gettext(message: str) -> str:
        return message


@dataclass(frozen=True)
class Language:
    """A catalogue (anything with gettext()), its locale name, and the time zone dates are written in."""

    translations: Any
    locale: str = "en"
    zone: tzinfo = timezone.utc


ENGLISH = Language(_English())


def _short(text: str, length: int = NAME_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def profile_href(actor: Actor) -> str:
    """Where people read an actor: its page here when it is local, else its own page on its server."""
    if actor.is_local:
        if actor.type == "Group" and actor.group_name:
            return f"/groups/{actor.group_name}"
        if actor.local_name and actor.type != "Application":
            return f"/@{actor.local_name}"
    return actor.url or actor.uri


class Writer:
    def __init__(self, language: Language, *, html: bool) -> None:
        self.language = language
        self.html = html

    def fill(self, message: str, **parts: Part) -> Part:
        """The message in this language with its %(name)s parts filled in; the English one if a translation's
        placeholders do not fit (tests/web/test_i18n.py checks they do)."""
        for template in (self.language.translations.gettext(message), message):
            try:
                if self.html:
                    return Markup(escape(template)) % parts
                return template % {key: str(value) for key, value in parts.items()}
            except (KeyError, ValueError, TypeError):
                continue
        return self.text(message)

    def text(self, value: str) -> Part:
        return escape(value) if self.html else value

    def link(self, href: str, label: Part, title: str = "") -> Part:
        if not self.html:
            return str(label)
        if not href:
            return label
        if title:
            return Markup('<a href="{}" title="{}">{}</a>').format(href, title, label)
        return Markup('<a href="{}">{}</a>').format(href, label)

    def code(self, value: str) -> Part:
        value = _short(value, 200)
        return Markup("<code>{}</code>").format(value) if self.html else f"“{value}”"

    def quoted(self, value: str) -> Part:
        return self.text(f"“{_short(value)}”")

    def moment(self, value: datetime) -> Part:
        written = format_local_time(value, self.language.zone, self.language.locale)  # type: ignore[arg-type]
        if not self.html:
            return written
        return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), written)

    def listing(self, items: list[Part]) -> Part:
        locale = _LIST_LOCALES.get(self.language.locale, self.language.locale)
        try:
            joined = format_list([str(item) for item in items], locale=locale)
        except (ValueError, LookupError):
            joined = ", ".join(str(item) for item in items)
        return Markup(joined) if self.html else joined  # the items were escaped already

    def actor(self, actor: Actor | None) -> Part:
        """A person, page or group by name, linked to its profile; its full handle on hover."""
        if actor is None:
            return self.fill(GONE_ACCOUNT)
        name = _short(actor.display_name or actor.username or actor.local_name or actor.domain or "?")
        handle = f"@{actor.username}@{actor.domain}" if actor.username else actor.domain
        return self.link(profile_href(actor), self.text(name), title=handle)

    def group(self, group: Actor | None) -> Part:
        return self.actor(group) if group is not None else self.fill(GONE_GROUP)

    def moderator(self, moderator: Actor | None) -> Part:
        return self.actor(moderator) if moderator is not None else self.fill(SOMEONE)

    def with_reason(self, sentence: Part, reason: str) -> Part:
        reason = reason.strip()
        return self.fill(WITH_REASON, sentence=sentence, reason=reason) if reason else sentence

    def sentences(self, first: Part, more: list[Part]) -> Part:
        """The main sentence, then any more (each a full sentence with its full stop)."""
        if not more:
            return first
        end = "" if str(first).rstrip().endswith((".", "!", "?", "…")) else "."
        pieces = [first, self.text(end), *[piece for extra in more for piece in (self.text(" "), extra)]]
        return Markup("").join(pieces) if self.html else "".join(str(piece) for piece in pieces)
