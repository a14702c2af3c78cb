"""Two real Moot instances: A reads B's group extension (parentGroup, subgroups, essentials) and shows it on the
remote group's page `/@name@host`, cached for an hour; a person on A reports someone on B from their page
there, and B receives the Flag."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from federation.actions import approve_follow
from federation.community import essentials as essentials_actions
from federation.community.remote_groups import parse_essentials, parse_subgroups
from federation.resolve import get_actor
from models.actors import Actor, LocalUser
from models.follows import PENDING, Follow
from models.moderation import Report
from models.posts import Post
from models.remote_groups import RemoteGroupLinks
from tests.conftest import MootInstance, settle
from tests.fakeremote import FakeRemote
from tests.groups.helpers import make_group
from tests.web.browser import FormClient
from web.passwords import hash_password

PASSWORD = "correct horse battery"


async def sign_in(moot: MootInstance, actor: Actor) -> FormClient:
    moot.use()
    await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
    client = FormClient(moot.base_url)
    page = await client.submit("/login", "/login", {"username": actor.local_name, "password": PASSWORD})
    assert "Sign out" in page.text
    return client


async def resolve(moot: MootInstance, token: str, handle: str) -> str:
    status, found = await moot.api("GET", f"/api/v2/search?q={handle}&resolve=true", token)
    assert status == 200 and found["accounts"], found
    return found["accounts"][0]["id"]


def section(html: str, heading_id: str) -> str:
    marker = f'id="{heading_id}"'
    return html.split(marker, 1)[1].split("</section>", 1)[0] if marker in html else ""


async def test_a_remote_moot_groups_subgroups_and_essentials_show_on_its_page_here(moot_factory: Any) -> None:
    a, b = await moot_factory(), await moot_factory()
    await a.user("admin_a", is_admin=True)
    await b.user("admin_b", is_admin=True)
    garden, owner, owner_token, _ = await make_group(b, "garden", display_name="Garden")
    status, body = await b.api("POST", f"/api/moot/v1/groups/{garden.id}/subgroups", owner_token,
                               json={"name": "garden_veg", "display_name": "Vegetables"})
    assert status == 201, body

    reader, reader_token = await a.user("reader")
    group_id = await resolve(a, reader_token, f"@garden@{b.host}")
    status, _ = await a.api("POST", f"/api/v1/accounts/{group_id}/follow", reader_token)
    assert status == 200
    await settle(a, b)

    # B's owner writes two threads (relayed to A, a member's server) and keeps one in "Start here".
    status, rules = await b.api("POST", f"/api/moot/v1/groups/{garden.id}/posts", owner_token,
                                json={"title": "House rules", "body": "Be kind."})
    assert status == 201, rules
    await settle(a, b)
    b.use()
    start = await essentials_actions.create_section(owner, garden, "Start here", start_here=True)
    await essentials_actions.add_thread(owner, await Post.get(id=int(rules["id"])), start)

    a.use()
    group_here = await Actor.get(uri=garden.uri)
    links = await RemoteGroupLinks.get(group=group_here)
    assert links.essentials_url == f"{garden.uri}/essentials" and links.subgroups_url == f"{garden.uri}/subgroups"
    assert links.parent_uri is None and links.fetched_at is None

    visitor = FormClient(a.base_url)
    try:
        page = await visitor.get(f"/@garden@{b.host}")
        assert page.status == 200, page.text[:500]
        a.use()
        rules_here = await Post.get(uri=rules["uri"])
        essentials = section(page.text, "essentials-heading")
        assert "Start here" in essentials and f'<a href="/threads/{rules_here.id}">House rules</a>' in essentials
        subgroups = section(page.text, "subgroups-heading")
        assert f'href="/@garden_veg@{b.host}">Vegetables</a>' in subgroups
        assert "House rules" in section(page.text, "posts-heading")
        # The sub-group, resolved on the way, names its parent.
        page = await visitor.get(f"/@garden_veg@{b.host}")
        assert page.status == 200 and f'Sub-group of <a href="/@garden@{b.host}">Garden</a>' in page.text

        # Read at most hourly: a new essential thread on B shows only once the hour is over.
        status, tips = await b.api("POST", f"/api/moot/v1/groups/{garden.id}/posts", owner_token,
                                   json={"title": "Compost tips", "body": "Layers."})
        await settle(a, b)
        b.use()
        await essentials_actions.add_thread(owner, await Post.get(id=int(tips["id"])), start)
        page = await visitor.get(f"/@garden@{b.host}")
        assert "Compost tips" not in section(page.text, "essentials-heading")
        a.use()
        await RemoteGroupLinks.filter(group=group_here).update(
            fetched_at=(await RemoteGroupLinks.get(group=group_here)).fetched_at - timedelta(hours=2))
        page = await visitor.get(f"/@garden@{b.host}")
        assert "Compost tips" in section(page.text, "essentials-heading")

        # Unknown handles and local names are 404s; ActivityPub clients are sent to the actor itself.
        assert (await visitor.get(f"/@nobody@{b.host}")).status == 404
        async with a.session.get(f"{a.base_url}/@garden@{b.host}", allow_redirects=False,
                                 headers={"Accept": "application/activity+json"}) as response:
            assert response.status == 302 and response.headers["Location"] == garden.uri
    finally:
        await visitor.close()


async def test_a_private_remote_groups_essentials_are_only_for_its_members_here(moot_factory: Any) -> None:
    a, b = await moot_factory(), await moot_factory()
    await a.user("admin_a", is_admin=True)
    await b.user("admin_b", is_admin=True)
    vault, owner, owner_token, _ = await make_group(b, "vault", private=True)
    reader, reader_token = await a.user("reader")
    group_id = await resolve(a, reader_token, f"@vault@{b.host}")
    status, _ = await a.api("POST", f"/api/v1/accounts/{group_id}/follow", reader_token)
    await settle(a, b)
    b.use()
    follow = await Follow.get(target=vault, follower__uri=reader.uri, state=PENDING)
    await approve_follow(b.fed, follow)
    await settle(a, b)
    status, secret = await b.api("POST", f"/api/moot/v1/groups/{vault.id}/posts", owner_token,
                                 json={"title": "Kanarie plans", "body": "Members only."})
    assert status == 201, secret
    await settle(a, b)
    b.use()
    start = await essentials_actions.create_section(owner, vault, "Kanarie section", start_here=True)
    await essentials_actions.add_thread(owner, await Post.get(id=int(secret["id"])), start)

    outsider = FormClient(a.base_url)
    member = await sign_in(a, reader)
    try:
        page = await outsider.get(f"/@vault@{b.host}")
        assert page.status == 200 and "Kanarie" not in page.text
        page = await member.get(f"/@vault@{b.host}")
        assert "Kanarie section" in section(page.text, "essentials-heading")
        assert "Kanarie plans" in section(page.text, "essentials-heading")
    finally:
        await outsider.close()
        await member.close()


async def test_someone_on_another_server_is_reported_from_their_page_here(moot_factory: Any) -> None:
    a, b = await moot_factory(), await moot_factory()
    await a.user("admin_a", is_admin=True)
    await b.user("admin_b", is_admin=True)
    zed, _ = await b.user("zed")
    ada, ada_token = await a.user("ada")
    zed_id = await resolve(a, ada_token, f"@zed@{b.host}")
    status, _ = await b.api("POST", "/api/v1/statuses", (await b.user("poster"))[1],
                            json={"status": "unrelated", "visibility": "public"})
    browser = await sign_in(a, ada)
    try:
        page = await browser.get(f"/@zed@{b.host}")
        assert page.status == 200
        assert f'action="/actors/{zed_id}/report"' in page.text and "Also tell their server" in page.text
        assert "This server knows no posts of theirs yet." in page.text
        page = await browser.submit(f"/@zed@{b.host}", f"/actors/{zed_id}/report",
                                    {"comment": "impersonates our admin", "forward": "1", "next": f"/@zed@{b.host}"})
        assert page.status == 200 and "notice=reported" in page.url
    finally:
        await browser.close()
    anonymous = FormClient(a.base_url)
    try:
        page = await anonymous.get(f"/@zed@{b.host}")
        assert page.status == 200 and "/report" not in page.text
    finally:
        await anonymous.close()
    await settle(a, b)
    b.use()
    report = await Report.get(target_actor=zed)
    assert report.comment == "impersonates our admin"


def test_the_collections_are_read_leniently() -> None:
    group = "https://moot.example/groups/garden"
    assert parse_subgroups({"orderedItems": [f"{group}_veg", {"id": f"{group}_roses"}, "https://evil.example/g",
                                             group, f"{group}_veg", 5]}, group) == [f"{group}_veg", f"{group}_roses"]
    assert parse_subgroups({"first": {"orderedItems": [f"{group}_veg"]}}, group) == [f"{group}_veg"]
    assert parse_subgroups("nonsense", group) == []
    doc = {"orderedItems": [
        {"name": "  Start   here ", "startHere": True, "orderedItems": ["https://moot.example/posts/1", "javascript:x"]},
        {"name": "", "orderedItems": ["https://moot.example/posts/2"]},
        {"name": "Guides", "startHere": "yes", "items": ["https://lemmy.example/post/3"]}, "junk"]}
    assert parse_essentials(doc) == [
        {"name": "Start here", "start_here": True, "items": ["https://moot.example/posts/1"]},
        {"name": "Guides", "start_here": False, "items": ["https://lemmy.example/post/3"]}]


async def test_links_elsewhere_are_ignored_and_a_failed_read_keeps_the_last_one(moot: MootInstance,
                                                                               remote: FakeRemote) -> None:
    await moot.user("hal", is_admin=True)
    lemmy = remote.add_actor("allotments", actor_type="Group")
    essentials_url = f"{lemmy.uri}/essentials"
    lemmy.extra = {"essentials": essentials_url, "subgroups": "https://elsewhere.example/subgroups",
                   "parentGroup": lemmy.uri}
    author = remote.add_actor("ben")
    post_uri = f"{remote.base_url}/post/1"
    remote.publish({"id": essentials_url, "type": "OrderedCollection", "totalItems": 1, "orderedItems": [
        {"type": "OrderedCollection", "name": "Start here", "startHere": True, "orderedItems": [post_uri]}]})
    moot.use()
    group = await get_actor(moot.fed, lemmy.uri)
    links = await RemoteGroupLinks.get(group=group)
    assert links.essentials_url == essentials_url and links.subgroups_url is None and links.parent_uri is None
    ben = await get_actor(moot.fed, author.uri)
    await Post.create(uri=post_uri, author=ben, name="Plot rules", content="<p>Rules</p>", visibility="public",
                      published=datetime.now(timezone.utc))

    visitor = FormClient(moot.base_url)
    try:
        page = await visitor.get(f"/@allotments@{group.domain}")
        assert "Plot rules" in section(page.text, "essentials-heading")
        # The server stops answering: the page keeps what it read, and says nothing of the failure.
        remote.objects.pop(essentials_url)
        moot.use()
        await RemoteGroupLinks.filter(group=group).update(fetched_at=datetime.now(timezone.utc) - timedelta(hours=2))
        page = await visitor.get(f"/@allotments@{group.domain}")
        assert page.status == 200 and "Plot rules" in section(page.text, "essentials-heading")
        moot.use()
        assert "essentials" in (await RemoteGroupLinks.get(group=group)).fetch_error
        # The actor drops the link: the group has no essentials any more.
        lemmy.extra = {}
        await get_actor(moot.fed, lemmy.uri, refresh=True)
        page = await visitor.get(f"/@allotments@{group.domain}")
        assert 'id="essentials-heading"' not in page.text
    finally:
        await visitor.close()
