from tests.conftest import MootInstance


async def test_actor_document_and_webfinger(moot: MootInstance) -> None:
    owner, _ = await moot.user("alice")
    page, _ = await moot.page("bakery", owner, display_name="The Bakery", category="Bakery")
    status, doc = await moot.get_ap(page.uri)
    assert status == 200
    assert doc["type"] == "Service"
    status, jrd = await moot.api("GET", f"/.well-known/webfinger?resource=acct:bakery@{moot.host}")
    assert status == 200 and jrd["links"][0]["href"] == page.uri
