"""federation.protocol on shapes that broke Moot: `type` lists, odd language tags, hostile URLs, and
`summary`, which is a content warning on a Note but a description on an Article or an Event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from federation.protocol.activity import parse_activity
from federation.protocol.actor import parse_actor
from federation.protocol.common import PUBLIC, is_http_url, type_of
from federation.protocol.objects import language_tag, parse_object

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HOSTILE = 'https://evil.example/"><script>alert(1)</script>'


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# --- type lists -----------------------------------------------------------------


def test_type_of_reads_strings_and_lists() -> None:
    known = frozenset({"Note", "Create"})
    assert type_of({"type": "Note"}, known) == "Note"
    assert type_of({"type": ["Note", "http://schema.org/Thing"]}, known) == "Note"
    assert type_of({"type": ["http://schema.org/Thing", "Note"]}, known) == "Note"
    assert type_of({"type": ["Thing"]}, known) is None
    assert type_of({"type": [["Note"]]}, known) is None  # nested lists are not a type
    assert type_of({}, known) is None and type_of("https://a.example/n", known) is None and type_of(None, known) is None


def test_list_typed_create_of_a_list_typed_note() -> None:
    doc = load("lemmy_create_note.json")
    doc["type"] = ["Create"]
    doc["object"]["type"] = ["Note", "http://schema.org/Thing"]
    activity = parse_activity(doc)
    assert (activity.type, activity.object_type) == ("Create", "Note")
    assert parse_object(activity.object).type == "Note"


def test_object_type_is_none_for_a_bare_id_or_an_unknown_type() -> None:
    doc = load("lemmy_create_note.json")
    note_id = doc["object"]["id"]
    assert parse_activity({**doc, "object": note_id}).object_type is None
    assert parse_activity({**doc, "object": [note_id]}).object_id == note_id
    assert parse_activity({**doc, "object": {**doc["object"], "type": "ChatMessage"}}).object_type is None


@pytest.mark.parametrize("kind", ["Event", "Video", "Audio", "Document"])
def test_event_video_audio_and_document_are_posts(kind: str) -> None:
    doc = {**load("mobilizon_event.json"), "type": [kind, "sc:Thing"]}
    assert parse_object(doc).type == kind


# --- language tags ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("en", "en"), ("EN-gb", "en-GB"), ("zh-hant-tw", "zh-Hant-TW"), ("und", "und"), ("es-419", "es-419"),
        ("en_US", "en-US"), ("sl-rozaj-biske", "sl-rozaj-biske"),
        # Well-formed but longer than the 16 characters stored: cut back to what still parses.
        ("en-US-x-" + "-".join(["abcdefgh"] * 9), "en-US"), ("zh-Hant-TW-u-co-pinyin", "zh-Hant-TW"),
        ("sl-Latn-IT-rozaj-biske", "sl-Latn-IT-rozaj"), ("en-a-bbb-x-a", "en-a-bbb-x-a"),
        # Malformed: dropped.
        ("x" * 83, None), ("en--", None), ("fr-", None), ("i-klingon", None), ("english", None), ("", None),
        ("toolonglanguage", None), (42, None), (None, None),
    ],
)
def test_language_tags(given: Any, stored: str | None) -> None:
    assert language_tag(given) == stored
    assert stored is None or len(stored) <= 16


def test_language_skips_a_malformed_content_map_key() -> None:
    note = load("lemmy_create_note.json")["object"]
    note.pop("language", None)
    note["contentMap"] = {"x" * 83: "<p>hi</p>", "de-at": "<p>hi</p>"}
    assert parse_object(note).language == "de-AT"
    note["contentMap"] = {"x" * 83: "<p>hi</p>"}
    assert parse_object(note).language is None
    note["language"] = {"identifier": "pt-br", "name": "Português"}
    assert parse_object(note).language == "pt-BR"


# --- URLs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [HOSTILE, '"><script>', "https://a.example/`x`", "https://a.example\\@evil.example/", "https://a.example/\x00",
     "https://a.example/" + "a" * 2100, "javascript:alert(1)", "data:text/html,<b>x</b>"],
)
def test_hostile_urls_are_not_urls(url: str) -> None:
    assert not is_http_url(url)


def test_actor_keeps_only_http_urls() -> None:
    doc = load("mastodon_person.json")
    doc.update({
        "url": '"><script>', "icon": {"type": "Image", "url": HOSTILE}, "image": "javascript:alert(1)",
        "endpoints": {"sharedInbox": HOSTILE}, "followers": HOSTILE, "featured": "ftp://x.example/f",
        "outbox": {"id": HOSTILE},
    })
    doc["publicKey"]["id"] = HOSTILE
    actor = parse_actor(doc)
    assert (actor.url, actor.icon_url, actor.image_url, actor.shared_inbox) == (None, None, None, None)
    assert (actor.followers, actor.featured, actor.outbox, actor.public_key_id) == (None, None, None, None)
    assert actor.inbox == doc["inbox"]  # the good ones stay


def test_object_keeps_only_http_urls() -> None:
    doc = load("mastodon_create_note.json")["object"]
    doc.update({
        "url": HOSTILE, "inReplyTo": '"><img src=x>', "context": "javascript:alert(1)",
        "to": [PUBLIC, "as:Public", HOSTILE], "cc": ["https://mastodon.example/users/alice/followers", "urn:x"],
        "audience": HOSTILE,
    })
    doc["attachment"][0]["url"] = HOSTILE
    doc["tag"][0]["href"] = HOSTILE
    note = parse_object(doc)
    assert (note.url, note.in_reply_to, note.context, note.audience) == (None, None, None, ())
    assert note.to == (PUBLIC,) and note.cc == ("https://mastodon.example/users/alice/followers",)
    assert note.attachments == () and note.tags[0].href is None


# --- summary: content warning or description --------------------------------------


def test_summary_on_a_note_is_a_content_warning() -> None:
    note = {**load("mastodon_create_note.json")["object"], "summary": "<p>food <b>pics</b></p>", "sensitive": True}
    parsed = parse_object(note)
    assert (parsed.content_warning, parsed.description) == ("<p>food <b>pics</b></p>", None)


@pytest.mark.parametrize("kind", ["Article", "Page", "Event", "Video"])
def test_summary_on_an_article_or_event_is_a_description(kind: str) -> None:
    doc = {**load("lemmy_create_page.json")["object"], "type": kind,
           "summary": "<p>How we <em>finally</em> beat the slugs</p>"}
    parsed = parse_object(doc)
    assert (parsed.content_warning, parsed.description) == (None, doc["summary"])
    # Marked sensitive, the summary is a warning again, as Mastodon reads it.
    parsed = parse_object({**doc, "sensitive": True})
    assert (parsed.content_warning, parsed.description) == (doc["summary"], None)


def test_mbin_summary_repeating_the_title_and_hashtags_is_neither() -> None:
    page = parse_object(load("mbin_create_page.json")["object"])
    assert page.summary == "A guide to water kefir grains #fermentation"
    assert (page.content_warning, page.description) == (None, None)
