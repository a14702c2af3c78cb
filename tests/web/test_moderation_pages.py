"""The moderation and admin pages in a browser without JavaScript: who may see them, and every decision
they offer reaching the same federation functions as the API (Accept/Reject to remote servers, the modlog)."""
from __future__ import annotations

import re
from typing import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest

from federation.instance_settings import get_setting
from models.accounts import Invite, RegistrationRequest, WebSession
from models.actors import Actor, ApiToken, LocalUser
from models.follows import ACCEPTED, PENDING, Follow
from models.groups import HELD, HeldActivity
from models.moderation import ContentRule, DomainPolicy, ModLogEntry, Report
from models.posts import Post
from tests.conftest import MootInstance
from tests.fakeremote import AS, FakeRemote
from tests.groups.helpers import join, lemmy_page, make_group, wrapped
from tests.web.browser import CSRF_INPUT, FormClient, Page
from web.passwords import hash_password

PASSWORD = "correct horse battery"
Browse = Callable[..., Awaitable[FormClient]]


@pytest.fixture
async def browse(moot: MootInstance) -> AsyncIterator[Browse]:
    """browse(actor) signs `actor` in through the sign-in form; browse() is a visitor who is signed out."""
    opened: list[FormClient] = []

    async def open_browser(actor: Actor | None = None) -> FormClient:
        client = FormClient(moot.base_url)
        opened.append(client)
        if actor is not None:
            moot.use()
            await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
            page = await client.submit("/login", "/login", {"username": actor.local_name, "password": PASSWORD})
            assert "Sign out" in page.text, page.text[-2000:]
        return client

    yield open_browser
    for client in opened:
        await client.close()


async def upload(client: FormClient, form_page: str, action: str, name: str, filename: str, content: bytes) -> Page:
    """POST a multipart form with one file, as a browser does (with the page's CSRF token)."""
    match = CSRF_INPUT.search((await client.get(form_page)).text)
    assert match
    data = aiohttp.FormData()
    data.add_field("csrf_token", match.group(1))
    data.add_field(name, content, filename=filename, content_type="text/csv")
    async with client.session.post(client.base_url + action, data=data) as response:
        return Page(response.status, str(response.url), await response.text())


def nav(page: Page) -> str:
    return page.text.split('aria-label="Main">', 1)[1].split("</nav>", 1)[0]


# --- who may see what -----------------------------------------------------------------------


async def test_each_page_is_for_the_right_people(moot: MootInstance, browse: Browse) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    group, owner, _, _ = await make_group(moot, "gardening")
    sam, _ = await moot.user("sam")
    queue = "/moderation/groups/gardening"
    admin_pages = ["/moderation/instance", "/moderation/instance/log", "/admin", "/admin/users", "/admin/invites",
                   "/admin/registrations"]

    visitor = await browse()
    page = await visitor.get("/moderation")
    assert "/login?next=/moderation" in page.url

    stranger = await browse(sam)
    home = await stranger.get("/settings")
    assert "/moderation" not in nav(home) and "/admin" not in nav(home)
    for path in ["/moderation", queue, *admin_pages]:
        page = await stranger.get(path)
        assert page.status == 403, path
        assert 'class="site-header"' in page.text
    page = await stranger.submit("/settings", queue + "/rules", {"pattern": "x", "action": "reject"})
    assert page.status == 403
    assert not await ContentRule.exists()

    moderator = await browse(owner)
    home = await moderator.get("/settings")
    assert 'href="/moderation"' in nav(home) and "/admin" not in nav(home)
    page = await moderator.get("/moderation")
    assert page.status == 200 and f'href="{queue}"' in page.text and "/moderation/instance" not in page.text
    page = await moderator.get(queue)
    assert page.status == 200 and "Join requests" in page.text and "Moderation log" in page.text
    for path in admin_pages:
        assert (await moderator.get(path)).status == 403, path

    admin = await browse(ada)
    home = await admin.get("/settings")
    assert 'href="/moderation"' in nav(home) and 'href="/admin"' in nav(home)
    page = await admin.get("/moderation")
    assert page.status == 200 and 'href="/moderation/instance"' in page.text
    for path in admin_pages:
        assert (await admin.get(path)).status == 200, path
    # The group's queue is its moderators' own; admins work from the instance queue.
    assert (await admin.get(queue)).status == 403
    assert (await admin.get("/moderation/groups/nosuchgroup")).status == 404


# --- a group's queue ------------------------------------------------------------------------


async def test_join_requests_are_decided_from_the_group_queue(
    moot: MootInstance, remote: FakeRemote, browse: Browse,
) -> None:
    await moot.user("ada", is_admin=True)
    group, owner, _, _ = await make_group(moot, "club", private=True)
    bea, cleo = remote.add_actor("bea"), remote.add_actor("cleo")
    bea_follow = await join(remote, bea, group)
    cleo_follow = await join(remote, cleo, group)
    await moot.drain()
    assert await Follow.filter(target=group, state=PENDING).count() == 2

    moderator = await browse(owner)
    queue = "/moderation/groups/club"
    page = await moderator.get(queue)
    assert f"@bea@{remote.host}" in page.text and f"@cleo@{remote.host}" in page.text
    requests = {f.follower.uri: f for f in await Follow.filter(target=group).prefetch_related("follower")}

    page = await moderator.submit(queue, f"{queue}/requests/{requests[bea.uri].id}",
                                  {"decision": "approve", "reason": "a neighbour"})
    assert page.status == 200 and page.url.endswith(f"{queue}?done=join-approved")
    assert "The join request was approved." in page.text
    page = await moderator.submit(queue, f"{queue}/requests/{requests[cleo.uri].id}",
                                  {"decision": "reject", "reason": "not from around here"})
    assert "The join request was rejected." in page.text
    await moot.drain()

    (accept,) = remote.activities("Accept")
    assert accept["actor"] == group.uri and accept["object"]["id"] == bea_follow["id"]
    (reject,) = remote.activities("Reject")
    assert reject["actor"] == group.uri and reject["object"]["id"] == cleo_follow["id"]
    assert all(r.verified for r in remote.received)
    assert (await Follow.get(target=group, follower__uri=bea.uri)).state == ACCEPTED
    assert not await Follow.filter(target=group, follower__uri=cleo.uri).exists()
    approved = await ModLogEntry.get(action="join.approved")
    assert approved.reason == "a neighbour" and approved.group_id == group.id and approved.target == bea.uri
    assert (await ModLogEntry.get(action="join.rejected")).reason == "not from around here"
    # The group's modlog on the queue shows both decisions with their reasons.
    page = await moderator.get(queue)
    assert "request to join" in page.text and "a neighbour" in page.text and "not from around here" in page.text
    assert "join.approved" not in page.text and bea.uri not in page.text
    assert "Nobody is waiting to join." in page.text
    # Deciding again (an old tab) says so instead of failing.
    page = await moderator.submit(queue, f"{queue}/requests/{requests[bea.uri].id}", {"decision": "reject"})
    assert page.status == 409 and "already decided" in page.text


async def test_held_posts_are_approved_or_rejected_with_a_reason(
    moot: MootInstance, remote: FakeRemote, browse: Browse,
) -> None:
    await moot.user("ada", is_admin=True)
    group, owner, _, _ = await make_group(moot, "gardening")
    bea = remote.add_actor("bea")
    await join(remote, bea, group)
    await moot.drain()
    moderator = await browse(owner)
    queue = "/moderation/groups/gardening"

    # A group rule, added from the queue, holds posts that mention it.
    page = await moderator.submit(queue, queue + "/rules", {"pattern": "(", "is_regex": "1", "action": "hold"})
    assert page.status == 422 and "regular expression" in page.text and 'value="("' in page.text
    page = await moderator.submit(queue, queue + "/rules", {"pattern": "giveaway", "action": "hold",
                                                            "targets": "text", "reason": "spam wave"})
    assert "The rule was added." in page.text
    rule = await ContentRule.get(group=group)
    assert rule.action == "hold" and rule.targets == ["text"]
    assert (await ModLogEntry.get(action="rule.added")).reason == "spam wave"

    kept = lemmy_page(bea, group, title="Seed giveaway on Saturday")
    dropped = lemmy_page(bea, group, title="Crypto giveaway!!!", content="<p>Click <script>x</script>here</p>")
    for activity in (kept, dropped):
        status, _ = await remote.send(bea, group.inbox, activity)
        assert status == 202
    await moot.drain()
    held = {item.activity_uri: item for item in await HeldActivity.filter(group=group, state=HELD)}
    assert set(held) == {kept["id"], dropped["id"]}

    page = await moderator.get(queue)
    assert "Seed giveaway on Saturday" in page.text and "Crypto giveaway!!!" in page.text
    assert "<script>" not in page.text.split('id="held"', 1)[1]  # remote HTML is sanitised

    page = await moderator.submit(queue, f"{queue}/held/{held[kept['id']].id}",
                                  {"decision": "approve", "reason": "a real swap"})
    assert "Approved: the post goes ahead." in page.text
    page = await moderator.submit(queue, f"{queue}/held/{held[dropped['id']].id}",
                                  {"decision": "reject", "reason": "no spam please"})
    assert "Rejected." in page.text
    await moot.drain()

    assert await Post.filter(uri=kept["object"]["id"], group=group).exists()
    assert [create["id"] for create in wrapped(remote, group, "Create")] == [kept["id"]]
    (reject,) = remote.activities("Reject")
    assert reject["object"] == dropped["id"] and reject["summary"] == "no spam please"
    assert not await Post.filter(uri=dropped["object"]["id"]).exists()
    assert (await ModLogEntry.get(action="held.approved")).reason == "a real swap"
    assert (await ModLogEntry.get(action="held.rejected")).reason == "no spam please"
    page = await moderator.get(queue)
    assert "No posts are waiting for review." in page.text and "no spam please" in page.text

    page = await moderator.submit(queue, f"{queue}/rules/{rule.id}/remove", {"reason": "wave over"})
    assert "The rule was removed." in page.text and not await ContentRule.exists()
    assert (await ModLogEntry.get(action="rule.removed")).reason == "wave over"


async def test_a_report_about_the_group_is_resolved(moot: MootInstance, remote: FakeRemote, browse: Browse) -> None:
    await moot.user("ada", is_admin=True)
    group, owner, _, _ = await make_group(moot, "gardening")
    bea, cleo = remote.add_actor("bea"), remote.add_actor("cleo")
    await join(remote, bea, group)
    create = lemmy_page(bea, group, title="Rude words")
    await remote.send(bea, group.inbox, create)
    await moot.drain()
    flag = {"@context": AS, "id": cleo.new_id(), "type": "Flag", "actor": cleo.uri, "content": "this is rude",
            "object": [bea.uri, create["object"]["id"]], "to": [group.uri]}
    status, _ = await remote.send(cleo, group.inbox, flag)
    assert status == 202
    await moot.drain()
    report = await Report.get(group=group)

    moderator = await browse(owner)
    queue = "/moderation/groups/gardening"
    page = await moderator.get(queue)
    assert "this is rude" in page.text and "Rude words" in page.text
    page = await moderator.submit(queue, f"{queue}/reports/{report.id}", {"decision": "resolve",
                                                                          "reason": "warned bea"})
    assert "The report was resolved." in page.text and "No open reports." in page.text
    report = await Report.get(id=report.id)
    assert report.state == "resolved" and report.action_taken == "warned bea"
    assert (await ModLogEntry.get(action="report.resolved")).reason == "warned bea"
    page = await moderator.submit(queue, f"{queue}/reports/{report.id}", {"decision": "dismiss"})
    assert page.status == 409 and "already resolved" in page.text


# --- the instance queue ---------------------------------------------------------------------


async def test_instance_queue_domain_and_account_policies_land_in_the_modlog(
    moot: MootInstance, remote: FakeRemote, browse: Browse,
) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    remote.add_actor("bea")
    admin = await browse(ada)
    queue = "/moderation/instance"

    page = await admin.submit(queue, queue + "/domains", {"domain": "not a domain", "policy": "suspend"})
    assert page.status == 422 and "is not a domain name" in page.text and 'value="not a domain"' in page.text
    page = await admin.submit(queue, queue + "/domains", {
        "domain": "Spam.Example", "policy": "suspend", "public_reason": "spam factory",
        "private_reason": "reported by three members", "expires_at": "2999-01-01T00:00",
    })
    assert page.url.endswith(f"{queue}?done=policy-set") and "spam.example" in page.text
    policy = await DomainPolicy.get(domain="spam.example")
    assert policy.policy == "suspend" and policy.expires_at is not None and policy.expires_at.year == 2999
    log = await admin.get(queue + "/log")
    assert "suspended spam.example: spam factory" in log.text and "domain.suspend" not in log.text
    assert "reported by three members" in log.text  # the private reason, for admins

    page = await admin.submit(queue, queue + "/actors", {"account": f"@bea@{remote.host}", "policy": "trusted",
                                                         "reason": "known gardener"})
    assert "The policy was set." in page.text and f"@bea@{remote.host}" in page.text
    bea = await Actor.get(uri=remote.actors["bea"].uri)
    page = await admin.submit(queue, f"{queue}/actors/{bea.id}/clear", {"reason": "moved away"})
    assert "The policy was cleared." in page.text
    page = await admin.submit(queue, queue + "/domains/clear", {"domain": "spam.example", "reason": "they cleaned up"})
    assert "The policy was cleared." in page.text and not await DomainPolicy.exists()
    cleared = await ModLogEntry.get(action="domain.cleared")
    assert cleared.reason == "they cleaned up" and cleared.moderator_id == ada.id
    assert (await ModLogEntry.get(action="actor.cleared")).reason == "moved away"

    page = await admin.submit(queue, queue + "/rules", {"pattern": "buy now", "action": "reject",
                                                        "targets": ["text", "content_warning"]})
    assert "The rule was added." in page.text
    assert (await ContentRule.get(group=None)).targets == ["text", "content_warning"]


async def test_instance_queue_decides_held_items_of_every_group(
    moot: MootInstance, remote: FakeRemote, browse: Browse,
) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    group, _, _, _ = await make_group(moot, "gardening")
    bea = remote.add_actor("bea")
    await join(remote, bea, group)
    await moot.drain()
    # A new account posting a link is held (the instance's new-account check).
    create = lemmy_page(bea, group, content='<p>See <a href="https://shop.example/deal">this</a></p>')
    await remote.send(bea, group.inbox, create)
    await moot.drain()
    item = await HeldActivity.get(state=HELD)
    admin = await browse(ada)
    page = await admin.get("/moderation/instance")
    assert "new account" in page.text and 'href="/groups/gardening"' in page.text
    page = await admin.submit("/moderation/instance", f"/moderation/instance/held/{item.id}",
                              {"decision": "trust", "reason": "real person"})
    assert "its author is trusted" in page.text
    await moot.drain()
    assert [c["id"] for c in wrapped(remote, group, "Create")] == [create["id"]]
    entry = await ModLogEntry.get(action="held.approved")
    assert entry.reason == "real person" and entry.details.get("trusted") is True


# --- admin ----------------------------------------------------------------------------------


async def test_domain_policies_import_from_an_uploaded_csv_and_export(moot: MootInstance, browse: Browse) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    admin = await browse(ada)
    csv_text = ("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
                "bad.example,suspend,false,false,harassment,false\n"
                "loud.example,silence,true,false,too noisy,false\n"
                "what ever,suspend,false,false,,false\n")
    page = await upload(admin, "/admin", "/admin/domain-policies/import", "file", "blocks.csv", csv_text.encode())
    assert page.status == 200
    assert "Imported 2 domain policies." in page.text and "line 4" in page.text
    policies = {row.domain: row for row in await DomainPolicy.all()}
    assert policies["bad.example"].policy == "suspend" and policies["bad.example"].public_reason == "harassment"
    assert policies["loud.example"].policy == "limit" and policies["loud.example"].reject_media
    assert await ModLogEntry.filter(action="domain.suspend", target="bad.example", moderator_id=ada.id).exists()
    page = await admin.get("/admin/domain-policies.csv")
    assert page.status == 200 and "bad.example,suspend,false,false,harassment,false" in page.text
    assert "loud.example,silence,true" in page.text
    # An upload without a file is refused with a message, and nothing changes.
    page = await admin.submit("/admin", "/admin/domain-policies/import", {})
    assert page.status == 422 and "Choose a CSV file" in page.text
    page = await (await browse()).get("/admin/domain-policies.csv")
    assert page.url.endswith("/login?next=/admin/domain-policies.csv")


async def test_instance_settings_change_the_title_nodeinfo_and_modes(moot: MootInstance, browse: Browse) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    admin = await browse(ada)
    settings = {"name": "Allotment Club", "description": "Gardeners of the east side.",
                "rules": "Be kind.\nNo selling.", "registration_mode": "open", "federation_mode": "blocklist",
                "reason": "our new name"}
    page = await admin.submit("/admin", "/admin/settings", {**settings, "name": "  "})
    assert page.status == 422 and "needs a name" in page.text
    page = await admin.submit("/admin", "/admin/settings", settings)
    assert page.url.endswith("/admin?done=saved") and "Saved." in page.text

    visitor = await browse()
    page = await visitor.get("/")
    assert "<title>Allotment Club</title>" in page.text and "Gardeners of the east side." in page.text
    page = await visitor.get("/about")
    assert "<li>Be kind.</li>" in page.text and "<li>No selling.</li>" in page.text
    async with moot.session.get(moot.base_url + "/nodeinfo/2.1") as response:
        doc = await response.json(content_type=None)
    assert doc["metadata"]["nodeName"] == "Allotment Club"
    assert doc["metadata"]["nodeDescription"] == "Gardeners of the east side."
    assert await get_setting("registration_mode", None) == "open"
    entry = await ModLogEntry.get(action="instance.settings")
    assert entry.reason == "our new name" and "instance_name" in entry.target
    assert await ModLogEntry.filter(action="instance.registration_mode", target="open").exists()
    # Unchanged choices are not logged again.
    assert not await ModLogEntry.filter(action="instance.federation_mode").exists()
    page = await admin.submit("/admin", "/admin/settings", {**settings, "federation_mode": "allowlist"})
    assert await get_setting("federation_mode", None) == "allowlist"
    assert await ModLogEntry.filter(action="instance.settings").count() == 1


async def test_suspending_a_user_ends_their_sessions_and_tokens(moot: MootInstance, browse: Browse) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    bob, token = await moot.user("bob")
    _, page_token = await moot.page("bobs_bakery", bob)
    bobs_browser = await browse(bob)
    assert (await bobs_browser.get("/settings")).status == 200
    status, _ = await moot.api("GET", "/api/v1/accounts/verify_credentials", token)
    assert status == 200

    admin = await browse(ada)
    page = await admin.submit("/admin/users", f"/admin/users/{bob.id}/suspend", {"reason": "spamming"})
    assert "The account was suspended" in page.text and "suspended" in page.text
    assert (await LocalUser.get(actor=bob)).suspended_at is not None
    assert not await WebSession.filter(user=bob, revoked_at=None).exists()
    assert not await ApiToken.filter(actor=bob).exists()
    # Bob's browser is signed out on its next page, his token is refused, and he cannot sign in.
    page = await bobs_browser.get("/settings")
    assert page.url.endswith("/login?next=/settings")
    page = await bobs_browser.get("/about")
    assert "Sign in" in page.text and "Sign out" not in page.text
    for old_token in (token, page_token):
        status, _ = await moot.api("GET", "/api/v1/accounts/verify_credentials", old_token)
        assert status == 401
    page = await bobs_browser.submit("/login", "/login", {"username": "bob", "password": PASSWORD})
    assert page.status == 401
    assert (await ModLogEntry.get(action="user.suspended")).reason == "spamming"

    page = await admin.submit("/admin/users", f"/admin/users/{bob.id}/unsuspend", {"reason": "apologised"})
    assert "The suspension was lifted." in page.text
    page = await bobs_browser.submit("/login", "/login", {"username": "bob", "password": PASSWORD})
    assert "Sign out" in page.text
    # Admins cannot suspend themselves.
    page = await admin.submit("/admin/users", f"/admin/users/{ada.id}/suspend", {})
    assert page.status == 422 and (await LocalUser.get(actor=ada)).suspended_at is None


async def test_promoting_and_demoting_an_admin(moot: MootInstance, browse: Browse) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    bob, _ = await moot.user("bob")
    admin, bobs_browser = await browse(ada), await browse(bob)
    assert (await bobs_browser.get("/admin")).status == 403
    page = await admin.submit("/admin/users", f"/admin/users/{bob.id}/promote", {"reason": "helps a lot"})
    assert "The account is now an admin." in page.text
    assert (await LocalUser.get(actor=bob)).is_admin
    assert (await bobs_browser.get("/admin")).status == 200
    assert (await ModLogEntry.get(action="user.promoted")).reason == "helps a lot"
    page = await bobs_browser.submit("/admin/users", f"/admin/users/{ada.id}/demote", {"reason": "swap"})
    assert "The account is no longer an admin." in page.text
    assert (await admin.get("/admin")).status == 403
    page = await bobs_browser.submit("/admin/users", f"/admin/users/{bob.id}/demote", {})
    assert page.status == 422 and (await LocalUser.get(actor=bob)).is_admin


async def test_an_invitation_created_on_the_admin_page_signs_someone_up(moot: MootInstance, browse: Browse) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    admin = await browse(ada)
    page = await admin.submit("/admin", "/admin/settings", {"name": "Moot", "description": "", "rules": "",
                                                            "registration_mode": "invite",
                                                            "federation_mode": "blocklist"})
    assert page.status == 200
    page = await admin.submit("/admin/invites", "/admin/invites", {"expires_in_hours": "24", "max_uses": "0"})
    assert page.status == 422 and not await Invite.exists()
    page = await admin.submit("/admin/invites", "/admin/invites", {"expires_in_hours": "24", "max_uses": "1"})
    assert "The invitation was created." in page.text
    link = re.search(r'value="(http://[^"]+/register\?invite=([^"]+))"', page.text)
    assert link is not None
    invite = await Invite.get(code=link.group(2))
    assert invite.max_uses == 1 and invite.expires_at is not None
    assert (await ModLogEntry.get(action="invite.created")).moderator_id == ada.id

    newcomer = await browse()
    path = link.group(1).removeprefix(moot.base_url)
    page = await newcomer.submit(path, "/register", {"username": "cleo", "password": "password2",
                                                     "confirm": "password2", "invite": invite.code})
    assert page.url.endswith("/welcome") and await LocalUser.filter(actor__local_name="cleo").exists()
    page = await admin.get("/admin/invites")
    assert "no longer valid" in page.text


async def test_a_sign_up_request_is_approved_and_the_person_signs_in(moot: MootInstance, browse: Browse) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    newcomer, other = await browse(), await browse()
    for client, name, why in ((newcomer, "dora", "I grow dahlias"), (other, "eve", "buy cheap pills")):
        page = await client.submit("/register", "/register", {"username": name, "password": "password9",
                                                              "confirm": "password9", "reason": why})
        assert "Almost there" in page.text
    admin = await browse(ada)
    page = await admin.get("/admin/registrations")
    assert "@dora" in page.text and "I grow dahlias" in page.text and "buy cheap pills" in page.text
    requests = {r.username: r for r in await RegistrationRequest.all()}
    page = await admin.submit("/admin/registrations", f"/admin/registrations/{requests['dora'].id}",
                              {"decision": "approve", "reason": "welcome"})
    assert "The sign-up was approved" in page.text
    page = await admin.submit("/admin/registrations", f"/admin/registrations/{requests['eve'].id}",
                              {"decision": "reject", "reason": "spam"})
    assert "The sign-up was rejected." in page.text and "Nobody is waiting." in page.text
    assert (await ModLogEntry.get(action="registration.approved")).reason == "welcome"
    assert not await LocalUser.filter(actor__local_name="eve").exists()

    page = await newcomer.submit("/login", "/login", {"username": "dora", "password": "password9"})
    assert "Sign out" in page.text
    page = await other.submit("/login", "/login", {"username": "eve", "password": "password9"})
    assert page.status == 401
    page = await admin.submit("/admin/registrations", f"/admin/registrations/{requests['dora'].id}",
                              {"decision": "approve"})
    assert page.status == 409


async def test_the_instance_modlog_is_paged(moot: MootInstance, browse: Browse) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    for number in range(55):
        await ModLogEntry.create(action="test.entry", moderator=ada, target=f"target-{number:02d}",
                                 reason=f"reason-{number:02d}")
    admin = await browse(ada)
    page = await admin.get("/moderation/instance/log")
    assert "reason-54" in page.text and "reason-05" in page.text and "reason-04" not in page.text
    assert 'href="/moderation/instance/log?page=2"' in page.text
    page = await admin.get("/moderation/instance/log?page=2")
    assert "reason-04" in page.text and "reason-00" in page.text and "reason-05" not in page.text
    assert "?page=3" not in page.text
    # A code the log does not know reads as a general sentence, never as the code or its raw target.
    assert "made a moderation decision: reason-00" in page.text
    assert "test.entry" not in page.text and "target-00" not in page.text
