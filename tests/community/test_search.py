"""Full-text search (federation/community/search*.py, /api/v2/search, /search) on real loopback servers:
it finds posts by their words, ranks the better match first, obeys the audience (a private group's posts
only for its members), finds groups, pages and people, and `@group@thishost` resolves in search and as a
mention that posts into the group."""
from __future__ import annotations

from typing import Any

from federation import audience
from federation.community.search_posts import search_post_ids
from models.actors import Actor
from models.posts import Post
from tests.conftest import MootInstance
from tests.groups.helpers import make_group


async def post_in(moot: MootInstance, group: Actor, token: str, title: str, body: str) -> int:
    status, data = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", token,
                                  json={"title": title, "body": body})
    assert status in (200, 201), data
    return int(data["id"])


async def status(moot: MootInstance, token: str, text: str, **extra: Any) -> int:
    code, data = await moot.api("POST", "/api/v1/statuses", token, json={"status": text, **extra})
    assert code == 200, data
    return int(data["id"])


async def search(moot: MootInstance, q: str, token: str | None = None, **params: Any) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in {"q": q, **params}.items())
    code, body = await moot.api("GET", f"/api/v2/search?{query}", token)
    assert code == 200, body
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [int(s["id"]) for s in body["statuses"]]


async def test_search_finds_ranks_and_respects_the_audience(moot: MootInstance) -> None:
    garden, owner, owner_token, _ = await make_group(moot, "garden", display_name="Garden club")
    vault, vault_owner, vault_token, _ = await make_group(moot, "vault", private=True)
    member, member_token = await moot.user("mira")
    outsider, outsider_token = await moot.user("otto")

    # A member of the private group: requested, then approved by its owner.
    code, _ = await moot.api("POST", f"/api/moot/v1/groups/{vault.id}/join", member_token)
    assert code == 200
    code, body = await moot.api("POST", f"/api/moot/v1/groups/{vault.id}/requests/{member.id}/approve", vault_token)
    assert code == 200, body

    title_hit = await post_in(moot, garden, owner_token, "Tomato blight", "Leaves turn brown, what now?")
    body_hit = await post_in(moot, garden, owner_token, "Weekly thread", "Someone said tomato once, in passing.")
    secret = await post_in(moot, vault, vault_token, "Tomato secrets", "The members-only tomato trick.")
    await post_in(moot, garden, owner_token, "Slugs", "Beer traps work.")
    html_hit = await status(moot, owner_token, "Zucchini <b>harvest</b> is early #harvest")

    # Found by a word of its text, on this engine; the title match ranks first.
    anonymous = await search(moot, "tomato", type="statuses")
    assert ids(anonymous) == [title_hit, body_hit]
    assert ids(await search(moot, "TOMATO blight")) == [title_hit]
    assert ids(await search(moot, "zucchini", type="statuses")) == [html_hit]
    assert ids(await search(moot, "nothingmatchesthis")) == []

    # The private group's post: never for the anonymous or a non-member, found for a member and the owner.
    assert secret not in ids(await search(moot, "tomato", outsider_token))
    assert secret in ids(await search(moot, "tomato", member_token))
    assert ids(await search(moot, "secrets trick", vault_token)) == [secret]
    assert ids(await search(moot, "secrets trick", outsider_token)) == []
    moot.use()
    assert await search_post_ids(audience.ANONYMOUS, "secrets") == []

    # An edit re-indexes; a deletion leaves the index.
    code, _ = await moot.api("PUT", f"/api/v1/statuses/{html_hit}", owner_token, json={"status": "Courgette glut"})
    assert code == 200
    assert ids(await search(moot, "zucchini")) == []
    assert ids(await search(moot, "courgette")) == [html_hit]
    code, _ = await moot.api("DELETE", f"/api/v1/statuses/{body_hit}", owner_token)
    assert code == 200
    assert ids(await search(moot, "tomato")) == [title_hit]

    # Mastodon's shapes: groups as accounts with group: true, hashtags with name and url.
    both = await search(moot, "garden")
    assert both["accounts"][0]["username"] == "garden" and both["accounts"][0]["group"] is True
    assert {"accounts", "statuses", "hashtags"} <= set(both)
    tags = await search(moot, "harvest", type="hashtags")
    assert tags["accounts"] == [] and tags["statuses"] == []
    assert isinstance(tags["hashtags"], list)
    # limit and offset page through the ranked list.
    assert ids(await search(moot, "tomato", limit=1, offset=0)) == [title_hit]
    assert ids(await search(moot, "tomato", limit=1, offset=1)) == []
    code, _ = await moot.api("GET", "/api/v2/search?q=tomato&type=bogus")
    assert code == 422
    code, _ = await moot.api("GET", "/api/v2/search?q=tomato&limit=abc")
    assert code == 422

    # The search page (no JavaScript): posts, and the private one never for outsiders.
    async with moot.session.get(f"{moot.base_url}/search?q=tomato") as resp:
        html = await resp.text()
    assert resp.status == 200 and "Tomato blight" in html and "Tomato secrets" not in html
    async with moot.session.get(f"{moot.base_url}/search?q=garden&type=groups") as resp:
        assert "Garden club" in await resp.text()


async def test_groups_pages_and_people_exact_handle_first(moot: MootInstance) -> None:
    owner, owner_token = await moot.user("bakery_owner", display_name="Bea")
    await moot.page("bakery", owner, display_name="The Corner Bakery")
    await moot.user("bakerylover", display_name="Loves bread")
    await moot.user("carl", display_name="Carl the bakery fan")
    await make_group(moot, "bakers", display_name="Bakers united")

    accounts = (await search(moot, "bakery", type="accounts"))["accounts"]
    names = [a["username"] for a in accounts]
    assert names[0] == "bakery"  # the exact handle first
    assert set(names) >= {"bakery", "bakerylover", "bakery_owner", "carl"}
    assert names.index("carl") > names.index("bakerylover")  # a display-name match after handle matches
    assert accounts[0]["bot"] is True  # a page is a Service: Mastodon's "Automated"

    async with moot.session.get(f"{moot.base_url}/search?q=bakers&type=groups") as resp:
        html = await resp.text()
    assert "Bakers united" in html and "The Corner Bakery" not in html
    async with moot.session.get(f"{moot.base_url}/search?q=bakery&type=pages") as resp:
        html = await resp.text()
    assert "The Corner Bakery" in html and "Carl the bakery fan" not in html


async def test_local_group_handle_resolves_in_search_and_as_a_mention(moot: MootInstance) -> None:
    group, owner, token, _ = await make_group(moot, "allotment")
    writer, writer_token = await moot.user("wendy")
    for handle in (f"@allotment@{moot.host}", f"allotment@{moot.host}", f"@Allotment@{moot.host}"):
        for resolve in ("false", "true"):
            found = await search(moot, handle, writer_token, resolve=resolve)
            assert [a["id"] for a in found["accounts"]] == [str(group.id)], (handle, resolve, found)
            assert found["accounts"][0]["group"] is True

    # The search page takes a handle too, and shows the group on the groups tab.
    async with moot.session.get(f"{moot.base_url}/search", params={"q": f"@allotment@{moot.host}"}) as resp:
        html = await resp.text()
    assert resp.status == 200 and 'href="/groups/allotment"' in html and 'aria-current="page">Groups' in html

    # A status that mentions the group (any case) is a post into the group.
    for text in (f"Who has spare canes? @allotment@{moot.host}", f"@Allotment@{moot.host} rhubarb season"):
        post_id = await status(moot, writer_token, text)
        moot.use()
        post = await Post.get(id=post_id)
        assert post.group_id == group.id and post.audience_group_id == group.id, text
        assert any(t["type"] == "Mention" and t["href"] == group.uri for t in post.tags)
    assert len(ids(await search(moot, "rhubarb"))) == 1


async def test_hostile_and_unicode_words_are_searched_as_words(moot: MootInstance) -> None:
    """The words reach PostgreSQL inside the SQL text (so each search is planned for its own words): quotes,
    backslashes and SQL in a search are only punctuation, and any script's letters are words."""
    _, token = await moot.user("ann")
    wanted = await status(moot, token, "Kruidvat café straße 東京 o'brien")
    for q in ("café", "Straße", "東京", "o'brien", "o'brien'); --"):
        for _ in range(7):  # past the point where a prepared statement would get a generic plan
            found = await search(moot, q, type="statuses")
        assert ids(found) == [wanted], q
    for q in ("café'); DROP TABLE post; --", "\\' OR 1=1 --", "'", "\\"):
        assert ids(await search(moot, q, type="statuses")) == [], q  # every word must match: none does
    assert await Post.filter(id=wanted).exists()


def test_only_words_are_inlined() -> None:
    from federation.community.search_posts import _sql_literal

    assert _sql_literal("café 東京") == "'café 東京'"
    for hostile in ("a'b", "a\\b", "a;b", "", "a  b"):
        try:
            _sql_literal(hostile)
        except ValueError:
            continue
        raise AssertionError(f"{hostile!r} was inlined")
