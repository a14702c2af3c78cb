"""The queues as lists: filters (a GET form), per-row menus, and bulk decisions that go through the same federation
functions as single ones (each logged, each federated); the admin's user search and invitation links."""
from __future__ import annotations

import re
from typing import Any, AsyncIterator, Awaitable, Callable

import pytest

from federation.policy import rule_admin
from models.accounts import WebSession
from models.actors import Actor, LocalUser
from models.follows import ACCEPTED, PENDING, Follow
from models.groups import HELD, HeldActivity
from models.moderation import ModLogEntry
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import join, lemmy_page, make_group, wrapped
from tests.web.browser import CSRF_INPUT, FormClient, Page
from tests.web.test_modlog_sentences import sentences
from web.passwords import hash_password

PASSWORD = "correct horse battery"
Browse = Callable[..., Awaitable[FormClient]]


@pytest.fixture
async def browse(moot: MootInstance) -> AsyncIterator[Browse]:
    opened: list[FormClient] = []

    async def open_browser(actor: Actor) -> FormClient:
        client = FormClient(moot.base_url)
        opened.append(client)
        moot.use()
        await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
        page = await client.submit("/login", "/login", {"username": actor.local_name, "password": PASSWORD})
        assert "Sign out" in page.text
        return client

    yield open_browser
    for client in opened:
        await client.close()


async def post_form(client: FormClient, form_page: str, action: str, fields: list[tuple[str, Any]]) -> Page:
    """POST a form whose fields repeat (ticked checkboxes all named "ids"), with the page's CSRF token."""
    match = CSRF_INPUT.search((await client.get(form_page)).text)
    assert match
    async with client.session.post(client.base_url + action, data=[("csrf_token", match.group(1)), *fields]) as resp:
        return Page(resp.status, str(resp.url), await resp.text())


def section(html: str, name: str) -> str:
    """One <section id=...> of a queue page ("" when the filter left it out)."""
    start = html.find(f'<section id="{name}"')
    return "" if start < 0 else html[start:html.index("</section>", start)]


def rows(html: str) -> list[str]:
    return re.findall(r'<li class="list-row[^"]*" id="([a-z]+-\d+)"', html)


async def test_bulk_approving_two_join_requests_federates_two_accepts(
    moot: MootInstance, remote: FakeRemote, browse: Browse,
) -> None:
    await moot.user("ada", is_admin=True)
    group, owner, _, _ = await make_group(moot, "club", private=True)
    bea, cleo, dan = (remote.add_actor(name) for name in ("bea", "cleo", "dan"))
    joins = {person.name: await join(remote, person, group) for person in (bea, cleo, dan)}
    await moot.drain()
    follows = {f.follower.uri: f for f in await Follow.filter(target=group).prefetch_related("follower")}
    moderator = await browse(owner)
    queue = "/moderation/groups/club"

    page = await moderator.get("/moderation")
    assert f'<a href="{queue}?kind=requests">Join requests: <span class="badge">3</span></a>' in page.text
    page = await moderator.get(queue)
    requests = section(page.text, "requests")
    # A dense list: one row per request with a checkbox for the bulk form, and its own decision in a menu.
    assert rows(requests) == [f"request-{follows[p.uri].id}" for p in (bea, cleo, dan)]
    assert '<ul class="list">' in requests and requests.count('form="bulk-requests"') == 3
    assert '<form id="bulk-requests" method="post" action="/moderation/groups/club/requests"' in requests
    assert requests.count('<details class="menu">') == 3
    # Each row's reason field sits in its menu, not on the row.
    for row in requests.split('<li class="list-row"')[1:]:
        assert row.index('name="reason"') > row.index('<details class="menu">')

    picked = [("ids", str(follows[bea.uri].id)), ("ids", str(follows[cleo.uri].id))]
    page = await post_form(moderator, queue, queue + "/requests",
                           [*picked, ("decision", "approve"), ("reason", "neighbours")])
    assert page.status == 200 and page.url.endswith(f"{queue}?done=joins-approved")
    assert "The selected join requests were approved." in page.text
    await moot.drain()

    accepts = remote.activities("Accept")
    assert sorted(accept["object"]["id"] for accept in accepts) == sorted([joins["bea"]["id"], joins["cleo"]["id"]])
    assert all(accept["actor"] == group.uri for accept in accepts) and all(r.verified for r in remote.received)
    assert {f.follower.uri: f.state for f in await Follow.filter(target=group, follower__is_local=False)
            .prefetch_related("follower")} == {
        bea.uri: ACCEPTED, cleo.uri: ACCEPTED, dan.uri: PENDING}
    logged = await ModLogEntry.filter(action="join.approved").order_by("id")
    assert [(e.target, e.reason, e.moderator_id) for e in logged] == [
        (bea.uri, "neighbours", owner.id), (cleo.uri, "neighbours", owner.id)]
    assert rows(section(page.text, "requests")) == [f"request-{follows[dan.uri].id}"]
    said = sentences(page.text)
    assert "club_owner approved Bea's request to join club: neighbours" in said
    assert "club_owner approved Cleo's request to join club: neighbours" in said

    # Nothing ticked, or only requests decided meanwhile (an old tab): said, and nothing changes.
    page = await post_form(moderator, queue, queue + "/requests", [("decision", "approve")])
    assert page.status == 422 and "Select at least one join request." in page.text
    page = await post_form(moderator, queue, queue + "/requests", [*picked, ("decision", "reject")])
    assert page.status == 409 and "already decided" in page.text
    page = await post_form(moderator, queue, queue + "/requests", [("ids", str(follows[dan.uri].id))])
    assert page.status == 422 and "Choose approve or reject." in page.text
    await moot.drain()
    assert len(remote.activities("Accept")) == 2 and not remote.activities("Reject")

    # Bulk reject: the last one, the same way.
    page = await post_form(moderator, queue, queue + "/requests",
                           [("ids", str(follows[dan.uri].id)), ("decision", "reject")])
    assert page.url.endswith("done=joins-rejected") and "Nobody is waiting to join." in page.text
    await moot.drain()
    (reject,) = remote.activities("Reject")
    assert reject["object"]["id"] == joins["dan"]["id"]


async def test_held_posts_are_filtered_and_decided_in_bulk(
    moot: MootInstance, remote: FakeRemote, browse: Browse,
) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    group, owner, _, _ = await make_group(moot, "gardening")
    bea, cleo = remote.add_actor("bea"), remote.add_actor("cleo")
    for person in (bea, cleo):
        await join(remote, person, group)
    await moot.drain()
    await rule_admin.add_rule(moot.fed, owner, group, pattern="giveaway", is_regex=False, action="hold",
                              targets=["text"])
    posts = {}
    for person, title in ((bea, "Seed giveaway"), (bea, "Bulb giveaway"), (cleo, "Tool giveaway")):
        create = lemmy_page(person, group, title=title)
        posts[title] = create
        status, _ = await remote.send(person, group.inbox, create)
        assert status == 202
    await moot.drain()
    held = {item.activity_uri: item for item in await HeldActivity.filter(state=HELD)}
    ids = {title: held[create["id"]].id for title, create in posts.items()}
    assert len(ids) == 3

    moderator = await browse(owner)
    queue = "/moderation/groups/gardening"
    page = await moderator.get(queue)
    assert rows(section(page.text, "held")) == [f"held-{ids[t]}" for t in ("Seed giveaway", "Bulb giveaway",
                                                                          "Tool giveaway")]
    assert "Content rule" in section(page.text, "held")  # why each was held, in words
    # The filter: by kind, by why it was held, by author (name or @name@host).
    page = await moderator.get(queue + "?kind=held&q=bea")
    assert not section(page.text, "requests") and not section(page.text, "reports")
    assert rows(section(page.text, "held")) == [f"held-{ids['Seed giveaway']}", f"held-{ids['Bulb giveaway']}"]
    assert 'value="bea"' in page.text and '<option value="held" selected>' in page.text
    page = await moderator.get(queue + f"?q=%40cleo%40{remote.host}")
    assert rows(section(page.text, "held")) == [f"held-{ids['Tool giveaway']}"]
    page = await moderator.get(queue + "?why=new+account")
    assert "No held post matches." in page.text and not section(page.text, "reports")
    page = await moderator.get(queue + "?kind=reports")
    assert not section(page.text, "held") and "No report matches." in section(page.text, "reports")

    # Reject Bea's two at once from the filtered list; the list stays filtered.
    page = await post_form(moderator, queue + "?kind=held&q=bea", queue + "/held", [
        ("ids", str(ids["Seed giveaway"])), ("ids", str(ids["Bulb giveaway"])), ("decision", "reject"),
        ("reason", "one giveaway a week"), ("kind", "held"), ("q", "bea")])
    assert page.status == 200 and page.url.endswith(f"{queue}?kind=held&q=bea&done=held-bulk-rejected")
    assert "The selected posts were rejected." in page.text and "No held post matches." in page.text
    await moot.drain()
    rejects = remote.activities("Reject")
    assert sorted(r["object"] for r in rejects) == sorted([posts["Seed giveaway"]["id"], posts["Bulb giveaway"]["id"]])
    assert all(r["summary"] == "one giveaway a week" for r in rejects)
    assert await ModLogEntry.filter(action="held.rejected", reason="one giveaway a week").count() == 2

    # The instance queue decides held items of every group in bulk too.
    admin = await browse(ada)
    page = await admin.get("/moderation/instance?kind=held")
    assert rows(section(page.text, "held")) == [f"held-{ids['Tool giveaway']}"]
    page = await post_form(admin, "/moderation/instance", "/moderation/instance/held", [
        ("ids", str(ids["Tool giveaway"])), ("decision", "approve"), ("reason", "fine")])
    assert page.url.endswith("/moderation/instance?done=held-bulk-approved")
    await moot.drain()
    assert [c["id"] for c in wrapped(remote, group, "Create")] == [posts["Tool giveaway"]["id"]]
    assert (await ModLogEntry.get(action="held.approved")).moderator_id == ada.id
    # A group's moderator cannot reach another group's items through the bulk form.
    other, other_owner, _, _ = await make_group(moot, "other")
    outsider = await browse(other_owner)
    page = await post_form(outsider, "/moderation/groups/other", "/moderation/groups/other/held",
                           [("ids", str(ids["Tool giveaway"])), ("decision", "reject")])
    assert page.status == 409


async def test_admins_find_people_by_name_display_name_and_email(moot: MootInstance, browse: Browse) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada Lovelace")
    bob, _ = await moot.user("bob")
    carol, _ = await moot.user("carol")
    dave, _ = await moot.user("dave", is_admin=True)
    await LocalUser.filter(actor=bob).update(email="bob@allotments.example")
    admin = await browse(ada)
    await browse(carol)  # carol signs in once, then is suspended
    page = await admin.submit("/admin/users", f"/admin/users/{carol.id}/suspend", {"reason": "spam"})
    assert "The account was suspended" in page.text

    async def found(query: str) -> list[str]:
        page = await admin.get("/admin/users" + query)
        assert page.status == 200
        return rows(page.text)

    everyone = [f"user-{person.id}" for person in (ada, bob, carol, dave)]
    assert await found("") == everyone
    assert await found("?q=lovelace") == [f"user-{ada.id}"]
    assert await found("?q=ALLOTMENTS.example") == [f"user-{bob.id}"]
    assert await found("?q=%40car") == [f"user-{carol.id}"]
    assert await found("?show=admins") == [f"user-{ada.id}", f"user-{dave.id}"]
    assert await found("?show=suspended") == [f"user-{carol.id}"]
    assert await found("?q=d&show=admins") == [f"user-{ada.id}", f"user-{dave.id}"]
    page = await admin.get("/admin/users?q=nobody-here")
    assert rows(page.text) == [] and "Nobody matches." in page.text and 'value="nobody-here"' in page.text

    # When each last signed in: the latest of their sessions; never, for those who have not.
    page = await admin.get("/admin/users")
    by_row = dict(re.findall(r'<li class="list-row" id="(user-\d+)">(.*?)</li>', page.text, re.S))
    assert "Last signed in" in by_row[f"user-{ada.id}"] and "Last signed in" in by_row[f"user-{carol.id}"]
    assert "Never signed in" in by_row[f"user-{bob.id}"] and "Never signed in" in by_row[f"user-{dave.id}"]
    latest = max(max(t for t in (s.last_seen_at, s.created_at) if t) for s in await WebSession.filter(user=carol))
    assert f'<time datetime="{latest.isoformat()}"' in by_row[f"user-{carol.id}"], by_row[f"user-{carol.id}"]
    # Each person's actions are in one menu; acting from a search keeps the search.
    assert by_row[f"user-{bob.id}"].count('<details class="menu">') == 1
    page = await admin.submit("/admin/users?q=bob", f"/admin/users/{bob.id}/promote", {"reason": "helps", "q": "bob"})
    assert page.url.endswith("/admin/users?q=bob&done=promoted") and rows(page.text) == [f"user-{bob.id}"]
    assert (await LocalUser.get(actor=bob)).is_admin


async def test_each_invitation_link_can_be_copied_or_selected(moot: MootInstance, browse: Browse) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    admin = await browse(ada)
    page = await admin.submit("/admin/invites", "/admin/invites", {"expires_in_hours": "24", "max_uses": "1"})
    link = re.search(r'<input class="copy" id="invite-\d+-link" type="text" readonly value="([^"]+)">', page.text)
    assert link is not None and "/register?invite=" in link.group(1)
    # The link as text anyone can select, and a copy button for browsers with JavaScript.
    assert f'data-copy="{link.group(1)}"' in page.text and 'data-copied="Link copied"' in page.text
