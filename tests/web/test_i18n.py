"""Translations: the Dutch catalogue is complete for the strings in today's code, and pages speak Dutch on request."""
from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from tests.conftest import MootInstance
from tests.web.browser import FormClient
from web.i18n import TRANSLATIONS_DIR, load_catalogues

REPO = Path(__file__).resolve().parents[2]
LOCALES = ["nl"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sd]")
TEMPLATES = REPO / "web" / "templates"
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
TEXT_NODE = re.compile(r">([^<>]+)<")
TEXT_ATTRIBUTE = re.compile(r'\b(aria-label|placeholder|title|alt|data-copied)="([^"]*)"')
HANDLE_OR_DOMAIN = re.compile(r"\S*\w[@.]\w\S*")  # @name@example.com, example.com: not words to translate


def extract_template(directory: Path) -> Catalog:
    """What `make i18n` extracts (babel.cfg says where), written to a .pot in `directory` and read back."""
    with (REPO / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    catalog = Catalog(project="Moot")
    for filename, lineno, message, comments, context in extract_from_dir(str(REPO), method_map, options_map):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    pot = directory / "messages.pot"
    with pot.open("wb") as handle:
        write_po(handle, catalog)
    with pot.open("rb") as handle:
        return read_po(handle)


def _ids(message: Message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def _strings(message: Message) -> tuple[str, ...]:
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return extract_template(tmp_path_factory.mktemp("i18n"))


def test_extraction_finds_template_and_python_strings(extracted: Catalog) -> None:
    ids = {message.id for message in extracted if message.id}
    # A template string ({{ _("...") }}) and a Python one (gettext(request, "...")).
    assert "Skip to content" in ids
    assert "That name and password do not match an account here." in ids
    # The request, gettext's first argument in Python, is never taken for the message.
    assert all(not str(i).startswith("request") for i in ids)
    assert len(ids) > 40


@pytest.mark.parametrize("locale", LOCALES)
def test_the_catalogue_translates_every_string(extracted: Catalog, locale: str) -> None:
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=locale)
    missing, fuzzy, placeholders = [], [], []
    for message in extracted:
        if not message.id:
            continue
        translated = catalogue.get(message.id, message.context)
        if translated is None or not all(_strings(translated)):
            missing.append(message.id)
        elif translated.fuzzy:
            fuzzy.append(message.id)
        else:
            ids = _ids(message)
            if len(ids) == 1:
                wanted = sorted(PLACEHOLDER.findall(ids[0]))
                wrong = any(sorted(PLACEHOLDER.findall(text)) != wanted for text in _strings(translated))
            else:  # a plural: a form may leave out the number ("Its image" / "Its 3 images"), nothing more
                allowed = {name for text in ids for name in PLACEHOLDER.findall(text)}
                wrong = any(not set(PLACEHOLDER.findall(text)) <= allowed for text in _strings(translated))
            if wrong:
                placeholders.append(message.id)
    hint = f"run `make i18n`, then translate web/translations/{locale}/LC_MESSAGES/messages.po"
    assert not missing, f"{len(missing)} untranslated strings ({hint}): {missing}"
    assert not fuzzy, f"fuzzy translations to check ({hint}): {fuzzy}"
    assert not placeholders, f"translations whose %(name)s placeholders differ from the English: {placeholders}"


def _words(text: str) -> bool:
    return re.search(r"[A-Za-z]{2,}", HANDLE_OR_DOMAIN.sub(" ", text)) is not None


def test_templates_have_no_text_outside_gettext() -> None:
    """Text that people read (between tags, or in aria-label, placeholder, title, alt) comes from _()."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        markup = JINJA.sub(" ", path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(REPO)}: {m.group(1).strip()!r}" for m in TEXT_NODE.finditer(markup)
                  if _words(m.group(1))]
        found += [f"{path.relative_to(REPO)}: {m.group(0)}" for m in TEXT_ATTRIBUTE.finditer(markup) if _words(m.group(2))]
    assert not found, "text not passed through gettext ({{ _(\"...\") }}):\n" + "\n".join(found)


def test_catalogues_load() -> None:
    catalogues = load_catalogues()
    assert set(catalogues) == {"en", *LOCALES}
    assert catalogues["nl"].gettext("Sign in") == "Inloggen"


async def test_the_sign_in_page_in_dutch(moot: MootInstance) -> None:
    await moot.user("ada", is_admin=True)
    async with aiohttp.ClientSession() as session:
        async with session.get(moot.base_url + "/login", headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"}) as resp:
            text = await resp.text()
            assert resp.status == 200 and '<html lang="nl">' in text
            assert "<h1>Inloggen</h1>" in text and "Wachtwoord" in text and "Sign in" not in text
        async with session.get(moot.base_url + "/login", headers={"Accept-Language": "en-GB,en;q=0.8"}) as resp:
            text = await resp.text()
            assert '<html lang="en">' in text and "<h1>Sign in</h1>" in text
    browser = FormClient(moot.base_url)
    try:
        page = await browser.get("/login?lang=nl")
        assert "<h1>Inloggen</h1>" in page.text and "Gebruikersnaam" in page.text
        # The choice sticks (a cookie), and messages from Python code are translated too.
        page = await browser.submit("/login", "/login", {"username": "ada", "password": "wrong password"})
        assert page.status == 401 and "horen bij geen enkel account" in page.text
        # So are the error pages, and the refusal of a form without its CSRF token.
        page = await browser.submit("/login", "/login", {"username": "ada", "password": "x"}, csrf=False)
        assert page.status == 403 and "Dat kun je hier niet doen" in page.text and "formulier is verlopen" in page.text
        page = await browser.get("/login?lang=en")
        assert "<h1>Sign in</h1>" in page.text
    finally:
        await browser.close()
