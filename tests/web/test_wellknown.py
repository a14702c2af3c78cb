"""Discovery: WebFinger (with the round trip Mastodon checks), host-meta, NodeInfo, and content negotiation."""
from __future__ import annotations

from tests.conftest import MootInstance


async def test_webfinger_round_trip(moot: MootInstance) -> None:
    owner, _ = await moot.user("owner")
    page, _ = await moot.page("bakery", owner)
    status, jrd = await moot.api("GET", f"/.well-known/webfinger?resource=acct:bakery@{moot.host}")
    assert status == 200
    assert jrd["subject"] == f"acct:bakery@{moot.host}"
    self_link = next(link for link in jrd["links"] if link["rel"] == "self")
    assert self_link["type"] == "application/activity+json" and self_link["href"] == page.uri
    status, actor = await moot.get_ap(self_link["href"])
    assert actor["id"] == page.uri and actor["preferredUsername"] == "bakery"
    rels = {link["rel"] for link in jrd["links"]}
    assert {"http://webfinger.net/rel/profile-page", "http://ostatus.org/schema/1.0/subscribe"} <= rels
    # The actor URL works as a resource too.
    status, again = await moot.api("GET", f"/.well-known/webfinger?resource={page.uri}")
    assert status == 200 and again["subject"] == jrd["subject"]


async def test_webfinger_errors(moot: MootInstance) -> None:
    status, body = await moot.api("GET", "/.well-known/webfinger")
    assert status == 400 and "resource" in body["error"]
    status, body = await moot.api("GET", f"/.well-known/webfinger?resource=acct:nobody@{moot.host}")
    assert status == 404
    status, body = await moot.api("GET", "/.well-known/webfinger?resource=acct:owner@other.example")
    assert status == 404


async def test_instance_actor_is_discoverable(moot: MootInstance) -> None:
    status, jrd = await moot.api("GET", f"/.well-known/webfinger?resource={moot.base_url}")
    assert status == 200
    actor_uri = jrd["links"][0]["href"]
    status, actor = await moot.get_ap(actor_uri)
    assert actor["type"] == "Application" and actor["publicKey"]["owner"] == actor_uri
    status, discovery = await moot.api("GET", "/.well-known/nodeinfo")
    hrefs = {link["rel"]: link["href"] for link in discovery["links"]}
    assert hrefs["https://www.w3.org/ns/activitystreams#Application"] == actor_uri
    for version in ("2.0", "2.1"):
        schema = f"http://nodeinfo.diaspora.software/ns/schema/{version}"
        status, info = await moot.api("GET", hrefs[schema].removeprefix(moot.base_url))
        assert status == 200 and info["version"] == version and info["software"]["name"] == "moot"
        assert info["protocols"] == ["activitypub"]


async def test_host_meta_points_to_webfinger(moot: MootInstance) -> None:
    status, text = await moot.api("GET", "/.well-known/host-meta")
    assert status == 200 and f"{moot.base_url}/.well-known/webfinger?resource={{uri}}" in text


async def test_same_url_answers_html_and_json(moot: MootInstance) -> None:
    owner, _ = await moot.user("owner")
    page, _ = await moot.page("bakery", owner, display_name="The <Bakery>", category="Bakery",
                              profile_fields=[{"name": "Phone", "value": "+31 20 123"}])
    async with moot.session.get(page.uri, headers={"Accept": "text/html"}) as response:
        assert response.status == 200 and response.content_type == "text/html"
        html = await response.text()
        assert "The &lt;Bakery&gt;" in html and "<Bakery>" not in html
    for accept in ("application/activity+json", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'):
        async with moot.session.get(page.uri, headers={"Accept": accept}) as response:
            assert response.content_type == "application/activity+json"
            doc = await response.json(content_type=None)
    assert doc["type"] == "Service"
    assert doc["attachment"] == [{"type": "PropertyValue", "name": "Phone", "value": "+31 20 123"}]
    assert doc["publicKey"] == {"id": f"{page.uri}#main-key", "owner": page.uri, "publicKeyPem": page.public_key_pem}
    assert doc["endpoints"]["sharedInbox"] == f"{moot.base_url}/inbox"
    for key in ("inbox", "outbox", "followers", "following", "featured", "url", "published"):
        assert doc[key], key
    assert "assertionMethod" not in doc


async def test_collections_are_paged(moot: MootInstance) -> None:
    owner, _ = await moot.user("owner")
    page, token = await moot.page("bakery", owner)
    for number in range(25):
        await moot.api("POST", "/api/v1/statuses", token, json={"status": f"post {number}"})
    status, outbox = await moot.get_ap(page.outbox)
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 25
    status, first = await moot.get_ap(outbox["first"])
    assert first["type"] == "OrderedCollectionPage" and len(first["orderedItems"]) == 20
    assert first["orderedItems"][0]["type"] == "Create"
    status, second = await moot.get_ap(first["next"])
    assert len(second["orderedItems"]) == 5 and "next" not in second
    status, body = await moot.api("GET", page.outbox.removeprefix(moot.base_url) + "?page=zero")
    assert status == 400
