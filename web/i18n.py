"""Translations: gettext catalogues (.po) compiled in memory at start-up, and the locale of each request."""
from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from aiohttp import web
from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
DEFAULT_LOCALE = "en"
LOCALE_COOKIE = "moot_lang"


def N_(message: str) -> str:
    """Marks a message for extraction (babel.cfg); it is translated with gettext(request, ...) where it is shown."""
    return message


def load_catalogues(directory: Path = TRANSLATIONS_DIR) -> dict[str, NullTranslations]:
    """{locale: translations}; English is the source language and needs no catalogue."""
    catalogues: dict[str, NullTranslations] = {DEFAULT_LOCALE: NullTranslations()}
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        locale = po_path.parent.parent.name
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        catalogues[locale] = Translations(compiled)
    return catalogues


def choose_locale(request: web.Request, available: list[str], preferred: str | None = None) -> str:
    """?lang=, then the language cookie, then the account's choice, then Accept-Language."""
    for candidate in (request.query.get("lang"), request.cookies.get(LOCALE_COOKIE), preferred):
        if candidate in available:
            return candidate
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if not tag or tag == "*":
            continue
        try:
            language = Locale.parse(tag).language
        except (ValueError, UnknownLocaleError):
            continue
        if language in available:
            return language
    return DEFAULT_LOCALE


@cache
def language_choices(locale: str, codes: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """(code, name) for these language codes, named and sorted in the viewer's language (CLDR, through Babel):
    the settings form's list of languages for one's posts. A name CLDR lacks is the code."""
    names = Locale.parse(locale).languages
    return tuple(sorted(((code, names.get(code, code)) for code in codes), key=lambda item: item[1].casefold()))
