"""The Group actor as other servers see it: its document, its collections, WebFinger (and the name clash
with a user), the HTML page at the same URL, and the outbox as Lemmy reads it."""
from __future__ import annotations

import re

from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import deliver, lemmy_page, make_group, remote_member

AS_TYPE = "https://www.w3.org/ns/activitystreams#type"


async def test_group_actor_document(moot: MootInstance) -> None:
    group, _, _, _ = await make_group(
        moot, display_name="Gardening", description="All things green.", rules="Be kind\n- No spam",
    )
    async with moot.session.get(group.uri, headers={"Accept": "application/activity+json"}) as resp:
        assert resp.status == 200 and resp.content_type == "application/activity+json"
        assert resp.headers["Vary"] == "Accept"
        doc = await resp.json(content_type=None)

    uri = f"{moot.base_url}/groups/gardening"
    assert doc["id"] == group.uri == uri and doc["type"] == "Group"
    assert doc["preferredUsername"] == "gardening" and doc["name"] == "Gardening"
    # The summary carries the description and then the rules as a list (list markers stripped).
    assert "All things green." in doc["summary"]
    assert "<ol><li>Be kind</li><li>No spam</li></ol>" in doc["summary"]
    assert doc["summary"].index("All things green.") < doc["summary"].index("<ol>")
    assert (doc["inbox"], doc["outbox"]) == (f"{uri}/inbox", f"{uri}/outbox")
    assert (doc["followers"], doc["featured"]) == (f"{uri}/followers", f"{uri}/featured")
    # Lemmy and Mbin find the moderators through attributedTo.
    assert doc["attributedTo"] == f"{uri}/moderators"
    assert doc["endpoints"]["sharedInbox"] == f"{moot.base_url}/inbox"
    assert doc["postingRestrictedToMods"] is False
    # Lemmy reads manuallyApprovesFollowers: true as a private community, so a public group says false.
    assert doc["manuallyApprovesFollowers"] is False and doc["discoverable"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["published"])
    key = doc["publicKey"]
    assert key["id"] == f"{uri}#main-key" and key["owner"] == uri
    assert key["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert "assertionMethod" not in doc and "following" not in doc


async def test_private_restricted_group_says_so(moot: MootInstance) -> None:
    group, _, _, _ = await make_group(moot, private=True, restricted_posting=True)
    status, doc = await moot.get_ap(group.uri)
    assert status == 200
    assert doc["manuallyApprovesFollowers"] is True and doc["discoverable"] is False
    assert doc["postingRestrictedToMods"] is True


async def test_browsers_get_html_at_the_same_url(moot: MootInstance) -> None:
    group, _, token, _ = await make_group(moot, display_name="Gardening", rules="Be kind")
    titles = ["Pinned welcome", "Newest news"]
    ids = []
    for title in titles:
        status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", token, json={"title": title})
        assert status == 201, body
        ids.append(body["id"])
    status, _ = await moot.api("POST", f"/api/moot/v1/posts/{ids[0]}/pin", token)
    assert status == 200

    async with moot.session.get(group.uri, headers={"Accept": "text/html"}) as resp:
        assert resp.status == 200 and resp.content_type == "text/html"
        page = await resp.text()
    assert "<h1>Gardening</h1>" in page and f"@gardening@{moot.host}" in page
    assert "<li>Be kind</li>" in page
    assert f'<link rel="alternate" type="application/activity+json" href="{group.uri}">' in page
    # The pinned post leads, though it is older.
    assert page.index("Pinned welcome") < page.index("Newest news")


async def test_moderators_collection_lists_the_owner(moot: MootInstance) -> None:
    group, owner, _, _ = await make_group(moot)
    status, collection = await moot.get_ap(group.moderators_url)
    assert status == 200
    assert collection["id"] == f"{group.uri}/moderators" and collection["type"] == "OrderedCollection"
    assert collection["totalItems"] == 1 and collection["orderedItems"] == [owner.uri]


async def test_webfinger_finds_the_group(moot: MootInstance) -> None:
    group, _, _, _ = await make_group(moot)
    status, jrd = await moot.api("GET", f"/.well-known/webfinger?resource=acct:gardening@{moot.host}")
    assert status == 200 and jrd["subject"] == f"acct:gardening@{moot.host}"
    (self_link,) = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_link["type"] == "application/activity+json" and self_link["href"] == group.uri
    assert self_link["properties"] == {AS_TYPE: "Group"}
    # The round trip Mastodon checks: the link leads to an actor with that very id.
    status, doc = await moot.get_ap(self_link["href"])
    assert doc["id"] == group.uri and doc["preferredUsername"] == "gardening"


async def test_webfinger_name_clash_lists_the_user_first_then_the_group(moot: MootInstance) -> None:
    # The clash rule: groups have a namespace of their own, so a user may share a group's name.
    # acct: then answers both self links, the user's first (Mastodon takes the first), each typed
    # in `properties` so Lemmy and Mbin pick the Group.
    group, _, _, _ = await make_group(moot)
    user, _ = await moot.user("gardening")
    status, jrd = await moot.api("GET", f"/.well-known/webfinger?resource=acct:gardening@{moot.host}")
    assert status == 200
    selves = [link for link in jrd["links"] if link["rel"] == "self"]
    assert [(link["href"], link["properties"][AS_TYPE]) for link in selves] == [
        (user.uri, "Person"), (group.uri, "Group")]
    assert all(link["type"] == "application/activity+json" for link in selves)
    # An actor URL as the resource names exactly one of them.
    for actor, kind in ((group, "Group"), (user, "Person")):
        status, jrd = await moot.api("GET", f"/.well-known/webfinger?resource={actor.uri}")
        assert status == 200
        (only,) = [link for link in jrd["links"] if link["rel"] == "self"]
        assert only["href"] == actor.uri and only["properties"][AS_TYPE] == kind


async def test_lemmy_reads_announces_from_the_outbox(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, _, _ = await make_group(moot)
    bea, _ = await remote_member(moot, remote, group, "bea")
    create = lemmy_page(bea, group)
    await deliver(moot, remote, bea, group, create)

    # Lemmy fetches the outbox itself (no page) and reads orderedItems straight from it, signed by
    # its instance actor; it takes the Create out of each Announce.
    lemmy_instance = remote.add_actor("lemmy_instance", "Application")
    status, outbox = await remote.get_signed(lemmy_instance, group.outbox)
    assert status == 200, outbox
    assert outbox["id"] == group.outbox and outbox["type"] == "OrderedCollection"
    assert outbox["totalItems"] == 2 == len(outbox["orderedItems"])
    assert all(item["type"] == "Announce" and item["actor"] == group.uri for item in outbox["orderedItems"])
    assert all(item["to"] and item["cc"] for item in outbox["orderedItems"])
    assert [item["object"] for item in outbox["orderedItems"] if isinstance(item["object"], dict)] == [create]
    # Mastodon pages through `first` instead; both work.
    status, page = await moot.get_ap(outbox["first"])
    assert [item["id"] for item in page["orderedItems"]] == [item["id"] for item in outbox["orderedItems"]]
