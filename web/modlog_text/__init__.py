"""The moderation log written in sentences, with links to what each entry is about.

    views = await modlog_views(entries, language_of(request), private=True)   # for a page
    texts = await modlog_texts(entries, hidden={...})                         # English plain text, for the API

People never read an action code or a URI: each entry becomes a translated sentence ("ada removed ben's
reply in Allotment Growers: spam"), built from escaped parts (web/modlog_text/writer.py), about targets loaded
for the whole page at once (targets.py), one sentence per code (sentences.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Collection, Sequence

from aiohttp import web
from markupsafe import Markup

from models.moderation import ModLogEntry
from web import app_keys as keys
from web.modlog_text.sentences import SENTENCES, describe
from web.modlog_text.targets import Targets, load_targets
from web.modlog_text.writer import ENGLISH, Language, Writer
from web.templating import request_locale
from web.timezones import viewer_zone

__all__ = ["ENGLISH", "SENTENCES", "Language", "ModLogView", "Targets", "language_of", "load_targets",
           "modlog_texts", "modlog_views"]


@dataclass
class ModLogView:
    entry: ModLogEntry
    sentence: Markup
    private_reason: str  # only filled in for views made with private=True
    created_at: datetime


def language_of(request: web.Request) -> Language:
    """The page's language and the viewer's time zone."""
    locale = request_locale(request)
    return Language(request.app[keys.TRANSLATIONS][locale], locale, viewer_zone(request))


async def _loaded(entries: Sequence[ModLogEntry]) -> Targets:
    entries = list(entries)
    if entries:
        await ModLogEntry.fetch_for_list(entries, "moderator", "group")
    return await load_targets(entries)


async def modlog_views(
    entries: Sequence[ModLogEntry], language: Language, *, private: bool = False, hidden: Collection[int] = (),
) -> list[ModLogView]:
    """Entries as HTML sentences. `private` adds admins' private reasons; entries whose id is in `hidden` are
    about a post the viewer may not see, so it is not named."""
    targets = await _loaded(entries)
    writer = Writer(language, html=True)
    views = []
    for entry in entries:
        details = entry.details if isinstance(entry.details, dict) else {}
        views.append(ModLogView(
            entry=entry, sentence=Markup(describe(writer, entry, targets, entry.id in hidden)),
            private_reason=str(details.get("private_reason") or "") if private else "", created_at=entry.created_at,
        ))
    return views


async def modlog_texts(entries: Sequence[ModLogEntry], *, hidden: Collection[int] = ()) -> dict[int, str]:
    """{entry id: the English sentence as plain text}."""
    targets = await _loaded(entries)
    writer = Writer(ENGLISH, html=False)
    return {entry.id: str(describe(writer, entry, targets, entry.id in hidden)) for entry in entries}
