"""federation.protocol on JSON shaped like real servers' traffic (tests/fixtures/)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from federation.protocol.activity import ActivityDoc, parse_activity
from federation.protocol.actor import ActorDoc, parse_actor
from federation.protocol.common import (
    PUBLIC,
    ProtocolError,
    as_list,
    first_text,
    host_of,
    id_of,
    ids_of,
    is_http_url,
    parse_datetime,
)
from federation.protocol.objects import POST_TYPES, ObjectDoc, parse_object

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Per actor fixture, the fields that show each server's quirks.
ACTOR_EXPECTATIONS: dict[str, dict[str, Any]] = {
    "mastodon_person.json": {
        "type": "Person", "preferred_username": "alice", "name": "Alice :blobcat:",
        "featured": "https://mastodon.example/users/alice/collections/featured",
        "url": "https://mastodon.example/@alice",
        "icon_url": "https://mastodon.example/system/accounts/avatars/110/1/original/a1.png",
        "discoverable": True, "indexable": True, "manually_approves_followers": False,
        "suspended": False, "moderators": None,  # only Groups have moderators
        "public_key_id": "https://mastodon.example/users/alice#main-key",
        "published": datetime(2023, 4, 12, tzinfo=timezone.utc),
    },
    "mastodon_suspended_person.json": {"suspended": True, "summary": None, "icon_url": None},
    "lemmy_group.json": {
        "type": "Group", "moderators": "https://lemmy.example/c/gardening/moderators",
        "featured": "https://lemmy.example/c/gardening/featured", "posting_restricted_to_mods": False,
        # Lemmy would read manuallyApprovesFollowers: true as a private community.
        "manually_approves_followers": False, "following": None, "url": None,
        "published": datetime(2023, 6, 2, 16, 43, 50, 799554, tzinfo=timezone.utc),
    },
    "lemmy_person.json": {
        "type": "Person", "followers": None, "preferred_username": "bea",
        "discoverable": False, "indexable": False,  # absent means False
    },
    "mbin_group.json": {
        "type": "Group", "posting_restricted_to_mods": True,
        "moderators": "https://mbin.example/m/fermentation/moderators",
        "shared_inbox": "https://mbin.example/f/inbox",
    },
    "misskey_person.json": {
        "preferred_username": "mika", "url": "https://misskey.example/@mika",
        "image_url": None, "fields": (("Seeds", "tomatoes, beans"),),
    },
    "pleroma_person.json": {  # publicKey sent as a one-element list
        "public_key_id": "https://pleroma.example/users/dana#main-key", "published": None,
    },
    "gotosocial_person.json": {  # key id without a '#'
        "public_key_id": "https://gts.example/users/ezra/main-key",
        "manually_approves_followers": True, "shared_inbox": "https://gts.example/sharedInbox",
    },
    "peertube_channel.json": {
        "type": "Group", "posting_restricted_to_mods": True,
        "icon_url": "https://peertube.example/lazy-static/avatars/large.jpg",  # the widest
        "image_url": "https://peertube.example/lazy-static/banners/b.jpg",
        "moderators": None,  # owners listed as Person objects, not a collection
    },
    "friendica_person.json": {
        "inbox": "https://friendica.example/inbox/greta", "discoverable": True,
        "published": datetime(2022, 11, 30, 8, tzinfo=timezone.utc),
    },
    "mobilizon_group.json": {
        "type": "Group", "moderators": None, "shared_inbox": "https://mobilizon.example/inbox",
    },
}
ACTOR_FIXTURES = list(ACTOR_EXPECTATIONS)
# Per activity fixture, the reference fields a handler relies on.
LEMMY_GROUP = "https://lemmy.example/c/gardening"
ACTIVITY_EXPECTATIONS: dict[str, dict[str, Any]] = {
    "mastodon_create_note.json": {"type": "Create", "to": (PUBLIC,), "audience": ()},
    "mastodon_follow.json": {
        "type": "Follow", "object_id": "https://moot.example/pages/bakery", "object": None,
    },
    "mastodon_undo_follow.json": {
        "type": "Undo", "object_id": "https://mastodon.example/5c1a9f2e-8d3b-4f61-9a0e-2b7c4d6e8f10",
    },
    "mastodon_like.json": {"type": "Like", "object_id": "https://moot.example/posts/41"},
    "mastodon_announce.json": {
        "type": "Announce", "object": None,
        "published": datetime(2024, 5, 18, 10, 2, 44, tzinfo=timezone.utc),
    },
    # An account deleting itself: the object is the actor.
    "mastodon_delete_actor.json": {"type": "Delete", "object_id": "https://mastodon.example/users/bob"},
    "mastodon_update_person.json": {"type": "Update", "object_id": "https://mastodon.example/users/alice"},
    "mastodon_flag.json": {  # reports list the account, then the posts
        "type": "Flag", "object": None, "object_id": "https://moot.example/users/spammy",
        "object_ids": ("https://moot.example/users/spammy", "https://moot.example/posts/77",
                       "https://moot.example/posts/78"),
    },
    "lemmy_create_page.json": {"type": "Create", "audience": (LEMMY_GROUP,)},
    "lemmy_create_note.json": {"type": "Create", "object_id": "https://lemmy.example/comment/88213"},
    "lemmy_like.json": {
        "type": "Like", "audience": ("https://moot.example/groups/bakers",), "to": (), "cc": (),
    },
    "lemmy_dislike.json": {"type": "Dislike", "object_id": "https://moot.example/posts/42"},
    "lemmy_announce_create.json": {
        "type": "Announce", "actor": LEMMY_GROUP, "cc": (LEMMY_GROUP + "/followers",),
    },
    "lemmy_block_user.json": {
        "type": "Block", "target_id": LEMMY_GROUP, "summary": "Repeated personal attacks",
        "end_time": datetime(2024, 8, 1, tzinfo=timezone.utc),
    },
    "mbin_create_page.json": {"type": "Create", "audience": ("https://mbin.example/m/fermentation",)},
    "misskey_create_note.json": {"type": "Create", "object_id": "https://misskey.example/notes/9r5a0b1c2d"},
    "pleroma_create_note.json": {  # to/cc sent as bare strings
        "type": "Create", "to": (PUBLIC,), "cc": ("https://pleroma.example/users/dana/followers",),
    },
    "mobilizon_join.json": {"type": "Join", "object_id": "https://moot.example/groups/bakers"},
    # A group's event: made by a member, attributed to the group, addressed (the Create) to the groups it mentions.
    "mobilizon_create_event.json": {
        "type": "Create", "actor": "https://mobilizon.example/@hana", "object_type": "Event",
        "to": (PUBLIC, "https://mobilizon.example/@seedlibrary/members", "https://moot.example/groups/bakers"),
    },
}
ACTIVITY_FIXTURES = list(ACTIVITY_EXPECTATIONS)
OBJECT_FIXTURES = ["peertube_video.json", "mobilizon_event.json"]


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def actor(name: str) -> ActorDoc:
    return parse_actor(load(name))


def activity(name: str) -> ActivityDoc:
    return parse_activity(load(name))


def embedded(name: str) -> ObjectDoc:
    doc = activity(name)
    assert doc.object is not None, f"{name} has no embedded object"
    return parse_object(doc.object)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# --- every fixture parses -------------------------------------------------------


@pytest.mark.parametrize("name", ACTOR_FIXTURES)
def test_actor_fixtures_parse(name: str) -> None:
    doc = actor(name)
    assert is_http_url(doc.id) and is_http_url(doc.inbox)
    assert doc.public_key_pem and doc.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert doc.public_key_owner == doc.id
    assert doc.shared_inbox is not None
    assert host_of(doc.shared_inbox) == host_of(doc.id)


@pytest.mark.parametrize("name", ACTIVITY_FIXTURES)
def test_activity_fixtures_parse(name: str) -> None:
    doc = activity(name)
    assert host_of(doc.id) == host_of(doc.actor)
    assert doc.object_id is not None
    assert doc.raw == load(name)


@pytest.mark.parametrize("name", OBJECT_FIXTURES)
def test_object_fixtures_parse(name: str) -> None:
    assert parse_object(load(name)).type in POST_TYPES


# --- actors ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ACTOR_FIXTURES)
def test_actor_fixture_fields(name: str) -> None:
    doc = actor(name)
    for field, expected in ACTOR_EXPECTATIONS[name].items():
        assert getattr(doc, field) == expected, field


def test_actor_profile_fields() -> None:
    assert [name for name, _ in actor("mastodon_person.json").fields] == ["Website", "Pronouns"]
    assert actor("mastodon_person.json").fields[1] == ("Pronouns", "she/her")
    assert actor("friendica_person.json").fields[0][0] == "Orchard"


def test_actor_key_picked_by_owner_and_odd_shapes() -> None:
    doc = load("mastodon_person.json")
    doc["type"] = ["Person", "Something"]
    doc["publicKey"] = [
        {"id": "https://other.example/k", "owner": "https://other.example/u", "publicKeyPem": "PEM-A"},
        {"id": doc["id"] + "#main-key", "owner": doc["id"], "publicKeyPem": "PEM-B"},
    ]
    doc["url"] = [
        {"type": "Link", "mediaType": "application/activity+json", "href": doc["id"]},
        {"type": "Link", "mediaType": "text/html", "href": "https://mastodon.example/@alice"},
    ]
    doc["icon"] = "https://mastodon.example/avatar.png"
    del doc["endpoints"]
    parsed = parse_actor(doc)
    assert parsed.type == "Person"
    assert parsed.public_key_pem == "PEM-B"
    assert parsed.url == "https://mastodon.example/@alice"
    assert parsed.icon_url == "https://mastodon.example/avatar.png"
    assert parsed.shared_inbox is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"inbox": None}, "actor has no 'inbox'"),
        ({"id": None}, "actor has no 'id'"),
        ({"id": "acct:alice@mastodon.example"}, "actor 'id' is not an http(s) URL"),
        ({"inbox": "ftp://mastodon.example/inbox"}, "actor 'inbox' is not an http(s) URL"),
        ({"type": None}, "actor has no 'type'"),
        ({"type": "Note"}, "actor type 'Note' is not one of"),
    ],
)
def test_malformed_actor(change: dict[str, Any], message: str) -> None:
    doc = load("mastodon_person.json")
    doc.update(change)
    with pytest.raises(ProtocolError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_actor(doc)


def test_actor_not_an_object() -> None:
    with pytest.raises(ProtocolError, match="actor document is not a JSON object"):
        parse_actor(["https://mastodon.example/users/alice"])


# --- activities -----------------------------------------------------------------


@pytest.mark.parametrize("name", ACTIVITY_FIXTURES)
def test_activity_fixture_fields(name: str) -> None:
    doc = activity(name)
    for field, expected in ACTIVITY_EXPECTATIONS[name].items():
        assert getattr(doc, field) == expected, field


def test_undo_embeds_the_follow() -> None:
    undo = activity("mastodon_undo_follow.json")
    assert undo.object is not None and undo.object["type"] == "Follow"


def test_mastodon_create_note() -> None:
    doc = activity("mastodon_create_note.json")
    note = embedded("mastodon_create_note.json")
    assert (note.id, note.type, note.attributed_to) == (doc.object_id, "Note", doc.actor)
    assert note.language == "en"
    assert note.content and "First tomatoes" in note.content
    assert note.summary is None and not note.sensitive and note.in_reply_to is None
    assert note.url == "https://mastodon.example/@alice/112233445566778899"
    assert note.context == "https://mastodon.example/contexts/9911"
    assert note.published == utc(2024, 5, 18, 9, 21, 7)
    assert [tag.type for tag in note.tags] == ["Mention", "Hashtag", "Emoji"]
    mention, hashtag, emoji = note.tags
    assert (mention.name, mention.href) == ("@gardening@lemmy.example", "https://lemmy.example/c/gardening")
    assert hashtag.name == "#compost"
    assert emoji.href == "https://mastodon.example/system/custom_emojis/images/blobcat.png"
    (image,) = note.attachments
    assert image.type == "Document" and image.media_type == "image/jpeg"
    assert (image.width, image.height) == (1600, 1200)
    assert image.blurhash and image.name == "Three red tomatoes on a wooden table"


def test_mastodon_update_person_embeds_actor() -> None:
    doc = activity("mastodon_update_person.json")
    assert doc.object is not None
    updated = parse_actor(doc.object)
    assert updated.id == doc.actor
    assert updated.manually_approves_followers
    assert updated.name == "Alice in the garden"


def test_lemmy_create_page() -> None:
    page = embedded("lemmy_create_page.json")
    assert (page.type, page.name) == ("Page", "Slugs ate my lettuce: what works?")
    assert page.attributed_to == "https://lemmy.example/u/bea"
    assert (page.audience, page.language) == ((LEMMY_GROUP,), "en")
    assert page.context == "https://lemmy.example/post/5512/context"
    (link,) = page.attachments
    assert (link.type, link.url) == ("Link", "https://garden-news.example/slugs-2024")
    assert [tag.type for tag in page.tags] == ["Mention"]


def test_lemmy_comment() -> None:
    note = embedded("lemmy_create_note.json")
    assert note.type == "Note"
    assert note.in_reply_to == "https://lemmy.example/post/5512"
    assert note.tags[0].href == "https://mastodon.example/users/alice"
    assert note.updated is None


def test_lemmy_announce_wraps_create() -> None:
    doc = activity("lemmy_announce_create.json")
    assert doc.object is not None
    inner = parse_activity(doc.object)
    assert inner.type == "Create" and inner.actor == "https://lemmy.example/u/bea"
    assert inner.object_id == "https://lemmy.example/post/5512"


def test_mbin_page_with_link_source() -> None:
    page = embedded("mbin_create_page.json")
    assert page.content is None  # `source` is a link URL here, not text
    assert page.name == "A guide to water kefir grains"
    assert page.language == "en"
    assert page.url == "https://kefir.example/guide"
    assert page.attachments[0].url == "https://kefir.example/guide"


def test_misskey_note() -> None:
    note = embedded("misskey_create_note.json")
    assert note.content and note.content.startswith("<p><span>Swapping bean seeds!")
    assert [(tag.type, tag.name) for tag in note.tags] == [("Hashtag", "#seedswap")]
    assert note.attachments[0].media_type == "image/webp"
    assert note.attachments[0].name is None
    assert note.published == datetime(2024, 5, 22, 3, 4, 5, 678000, tzinfo=timezone.utc)


def test_pleroma_note() -> None:
    note = embedded("pleroma_create_note.json")
    assert note.to == (PUBLIC,)
    assert note.in_reply_to == "https://lemmy.example/post/5512"  # given as an object
    assert note.summary is None  # "" is no content warning
    assert not note.sensitive  # null


def test_peertube_video() -> None:
    video = parse_object(load("peertube_video.json"))
    assert video.type == "Video"
    assert video.attributed_to == "https://peertube.example/accounts/farah"  # the Person, not the channel
    assert video.url == "https://peertube.example/w/9xQz1Lm"  # the text/html link
    assert video.language == "en"
    # Its content is markdown, so it arrives escaped rather than as markup.
    assert video.content is not None and "&lt;cheap&gt;" in video.content
    assert "<br>" in video.content and video.content.startswith("<p>")
    assert video.tags[0].href is None


def test_mobilizon_event() -> None:
    event = parse_object(load("mobilizon_event.json"))
    assert event.type == "Event"
    assert event.language == "fr"
    assert event.raw["startTime"] == "2024-03-16T14:00:00+01:00"
    assert event.attachments[0].name == "Banner"


def test_page_with_only_markdown_source_is_escaped() -> None:
    page = load("lemmy_create_page.json")["object"]
    del page["content"]
    page["source"] = {"content": "Use <b>copper</b> & salt\n\nnot beer", "mediaType": "text/markdown"}
    parsed = parse_object(page)
    assert parsed.content == "<p>Use &lt;b&gt;copper&lt;/b&gt; &amp; salt</p><p>not beer</p>"


def test_actor_given_as_object_or_list() -> None:
    doc = load("lemmy_like.json")
    doc["actor"] = {"id": "https://lemmy.example/u/bea", "type": "Person", "name": "spoofed"}
    assert parse_activity(doc).actor == "https://lemmy.example/u/bea"
    doc["actor"] = [
        {"type": "Group", "id": "https://lemmy.example/c/gardening"},
        {"type": "Person", "id": "https://lemmy.example/u/bea"},
    ]
    assert parse_activity(doc).actor == "https://lemmy.example/u/bea"
    doc["actor"] = ["https://lemmy.example/u/bea", "https://lemmy.example/c/gardening"]
    assert parse_activity(doc).actor == "https://lemmy.example/u/bea"


def test_object_as_one_element_list_and_type_list() -> None:
    doc = load("mastodon_undo_follow.json")
    doc["object"] = [doc["object"]]
    doc["type"] = ["Undo", "Extra"]
    parsed = parse_activity(doc)
    assert parsed.type == "Undo"
    assert parsed.object is not None and parsed.object["type"] == "Follow"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": None}, "activity has no 'id'"),
        ({"actor": None}, "activity has no 'actor'"),
        ({"actor": []}, "activity has no 'actor'"),
        ({"type": None}, "activity has no 'type'"),
        ({"actor": "urn:uuid:1234"}, "activity 'actor' is not an http"),
        ({"id": "tag:mastodon.example,2024:1"}, "activity 'id' is not an http"),
    ],
)
def test_malformed_activity(change: dict[str, Any], message: str) -> None:
    doc = load("mastodon_like.json")
    doc.update(change)
    with pytest.raises(ProtocolError, match=message):
        parse_activity(doc)


def test_activity_not_an_object() -> None:
    with pytest.raises(ProtocolError, match="activity is not a JSON object"):
        parse_activity("https://mastodon.example/users/alice#likes/1")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": None}, "object has no 'id'"),
        ({"id": "/relative/5512"}, "object 'id' is not an http"),
        ({"type": []}, "object has no 'type'"),
    ],
)
def test_malformed_object(change: dict[str, Any], message: str) -> None:
    doc = load("lemmy_create_page.json")["object"]
    doc.update(change)
    with pytest.raises(ProtocolError, match=message):
        parse_object(doc)
    with pytest.raises(ProtocolError, match="object is not a JSON object"):
        parse_object(None)


def test_docs_are_frozen() -> None:
    doc = activity("mastodon_like.json")
    with pytest.raises(AttributeError):
        doc.actor = "https://evil.example/u"  # type: ignore[misc]


# --- helpers --------------------------------------------------------------------


def test_reference_helpers() -> None:
    assert as_list(None) == [] and as_list("a") == ["a"] and as_list({"a": 1}) == [{"a": 1}]
    assert id_of({"type": "Link", "href": "https://x.example/l"}) == "https://x.example/l"
    assert id_of([None, {"name": "no id"}, "https://x.example/2"]) == "https://x.example/2"
    assert id_of(42) is None and id_of("") is None
    assert ids_of(["as:Public", {"id": "https://x.example/f"}, "https://x.example/f"]) == (
        PUBLIC,
        "https://x.example/f",
    )


def test_host_and_url_helpers() -> None:
    assert host_of("https://Mastodon.Example/users/a") == "mastodon.example"
    assert host_of("http://localhost:8080/x") == "localhost:8080"
    with pytest.raises(ProtocolError, match="URL has no host"):
        host_of("/users/a")
    assert is_http_url("https://a.example/x")
    for bad in (
        "javascript:alert(1)", "https://", "https://a b.example/", "//a.example/x", None,
        "https://a.example:99999/",
    ):
        assert not is_http_url(bad)


def test_parse_datetime_leniency() -> None:
    expected = datetime(2024, 5, 20, 12, 35, 34, 292626, tzinfo=timezone.utc)
    assert parse_datetime("2024-05-20T12:35:34.292626Z") == expected
    assert parse_datetime("2024-05-20T12:35:34.292626789Z") == expected  # nanoseconds
    assert parse_datetime("2024-05-20T14:35:34.292626+02:00") == expected
    assert parse_datetime("2024-05-20T12:35:34") == utc(2024, 5, 20, 12, 35, 34)
    assert parse_datetime("yesterday") is None and parse_datetime(None) is None


def test_first_text() -> None:
    assert first_text({"en": None, "de": "<p>Hallo</p>"}) == "<p>Hallo</p>"
    assert first_text(["", "x"]) == "x"
    assert first_text(None) is None and first_text("") is None
