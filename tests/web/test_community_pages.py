"""The pages of community life in a browser without JavaScript: home, explore, groups, threads, profiles,
following from Mastodon, and moderators acting inline."""
from __future__ import annotations

import re
from typing import Any, AsyncIterator, Awaitable, Callable
from urllib.parse import parse_qs, quote, urlsplit

import aiohttp
import pytest

from federation import actions
from federation.actions import StatusInput
from federation.groups.admin import GroupSettings, create_group
from models.actors import Actor, LocalUser, PageRole
from models.follows import ACCEPTED, PENDING, Follow
from models.moderation import ModLogEntry
from models.posts import LIKE, Interaction, Post
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.web.browser import CSRF_INPUT, FormClient, Page
from web.passwords import hash_password

PASSWORD = "correct horse battery"
People = Callable[..., Awaitable[tuple[Actor, FormClient]]]


@pytest.fixture
async def people(moot: MootInstance) -> AsyncIterator[People]:
    """Signs people in through the login form; each gets a browser of their own."""
    browsers: list[FormClient] = []

    async def sign_in(name: str, **options: Any) -> tuple[Actor, FormClient]:
        if not await LocalUser.filter(is_admin=True).exists():
            await moot.user("siteadmin", is_admin=True)
        actor, _ = await moot.user(name, **options)
        await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
        browser = FormClient(moot.base_url)
        browsers.append(browser)
        page = await browser.submit("/login", "/login", {"username": name, "password": PASSWORD, "next": "/home"})
        assert page.url.endswith("/home"), page.text[-500:]
        return actor, browser

    yield sign_in
    for browser in browsers:
        await browser.close()


@pytest.fixture
async def visitor(moot: MootInstance) -> AsyncIterator[FormClient]:
    browser = FormClient(moot.base_url)
    yield browser
    await browser.close()


async def post(moot: MootInstance, author: Actor, text: str, **options: Any) -> Post:
    moot.use()
    return await actions.create_status(moot.fed, author, StatusInput(text=text, **options))


async def group(moot: MootInstance, name: str, owner: Actor, **settings: Any) -> Actor:
    moot.use()
    return await create_group(moot.fed, name, owner, GroupSettings(**settings))


async def post_form(browser: FormClient, form_page: str, action: str, fields: dict[str, Any]) -> aiohttp.ClientResponse:
    """Submit a form without following the redirect, to see where it points."""
    page = await browser.get(form_page)
    match = CSRF_INPUT.search(page.text)
    assert match, page.text[-500:]
    async with browser.session.post(browser.base_url + action, data={**fields, "csrf_token": match.group(1)},
                                    allow_redirects=False) as response:
        await response.read()
        return response


def articles(page: Page) -> list[str]:
    """The ids of the post cards on a page, in order."""
    return re.findall(r'<article class="post[^"]*" id="post-(\d+)"', page.text)


# --- home ---------------------------------------------------------------------------------------


async def test_home_shows_followed_people_pages_and_joined_groups_newest_first(moot: MootInstance,
                                                                               people: People) -> None:
    ada, browser = await people("ada")
    bob, _ = await moot.user("bob")
    carl, _ = await moot.user("carl")
    bakery, _ = await moot.page("bakery", owner=bob)
    garden = await group(moot, "gardening", bob)
    elsewhere = await group(moot, "elsewhere", carl)
    for target in (bob, bakery, garden):
        await actions.follow(moot.fed, ada, target)
    await post(moot, bob, "Bob says hello")
    await post(moot, bakery, "Fresh bread at the bakery")
    await post(moot, bob, "Tomatoes are in", group=garden, title="Tomato season")
    await post(moot, carl, "Carl posts where ada is not", group=elsewhere, title="Elsewhere thread")
    await post(moot, carl, "Carl talks to himself")
    await post(moot, ada, "My own words")

    page = await browser.get("/home")
    assert page.status == 200
    for text in ("Bob says hello", "Fresh bread at the bakery", "Tomato season", "My own words"):
        assert text in page.text
    assert "Carl" not in page.text and "Elsewhere thread" not in page.text
    # Newest first.
    assert page.text.index("My own words") < page.text.index("Tomato season") < page.text.index("Bob says hello")
    assert 'href="/groups/gardening"' in page.text or f'href="{garden.uri}"' in page.text


async def test_home_pages_with_a_load_more_link(moot: MootInstance, people: People) -> None:
    ada, browser = await people("ada")
    bob, _ = await moot.user("bob")
    await actions.follow(moot.fed, ada, bob)
    made = [await post(moot, bob, f"Note number {i}") for i in range(25)]

    first = await browser.get("/home")
    shown = articles(first)
    assert shown == [str(p.id) for p in reversed(made)][:20]
    more = re.search(r'<a href="(/home\?before=\d+)" rel="next" class="load-more">Load more</a>', first.text)
    assert more, "no Load more link"
    second = await browser.get(more.group(1))
    assert articles(second) == [str(p.id) for p in reversed(made)][20:]
    assert "Load more" not in second.text


async def test_home_needs_signing_in(moot: MootInstance, visitor: FormClient) -> None:
    await moot.user("siteadmin", is_admin=True)
    page = await visitor.get("/home")
    assert "/login?next=/home" in page.url


# --- explore ------------------------------------------------------------------------------------


async def test_explore_directory_searches_by_name_category_and_kind(moot: MootInstance, visitor: FormClient) -> None:
    bob, _ = await moot.user("bob")
    await moot.page("bakery", owner=bob, display_name="Corner Bakery", category="Food")
    await moot.page("bikeshop", owner=bob, display_name="Bike Shop", category="Shops")
    await group(moot, "gardening", bob, display_name="Gardening", description="Grow things together.",
                rules="Be kind")
    await group(moot, "secret", bob, display_name="Secret Society", private=True)

    page = await visitor.get("/explore")
    assert all(name in page.text for name in ("Corner Bakery", "Bike Shop", "Gardening"))
    assert "Grow things together." in page.text and "Be kind" not in page.text  # the description, not the rules
    assert "Secret Society" not in page.text  # private groups are not listed
    assert '<option value="Food">' in page.text and '<option value="Shops">' in page.text

    page = await visitor.get("/explore?q=bak")
    assert "Corner Bakery" in page.text and "Bike Shop" not in page.text and "Gardening" not in page.text
    page = await visitor.get("/explore?category=Shops")
    assert "Bike Shop" in page.text and "Corner Bakery" not in page.text
    assert '<option value="Shops" selected>' in page.text
    page = await visitor.get("/explore?type=group")
    assert "Gardening" in page.text and "Bike Shop" not in page.text
    page = await visitor.get("/explore?q=nothing-like-this")
    assert "Nothing matches" in page.text


async def test_explore_shows_trending_hashtags_of_the_week(moot: MootInstance, visitor: FormClient) -> None:
    bob, _ = await moot.user("bob")
    carl, _ = await moot.user("carl")
    await post(moot, bob, "Baking #Sourdough today")
    await post(moot, carl, "More #sourdough and #cats")
    await post(moot, carl, "Followers only #hidden", visibility="private")

    page = await visitor.get("/explore")
    trending = page.text[page.text.index("Trending hashtags"):]
    assert trending.index("#sourdough") < trending.index("#cats")
    assert "2 posts" in trending and "#hidden" not in trending
    tag = await visitor.get("/tags/sourdough")
    assert "Baking" in tag.text and "More" in tag.text and "Followers only" not in tag.text


async def test_explore_looks_up_a_remote_account_and_follows_it(moot: MootInstance, remote: FakeRemote,
                                                                people: People, visitor: FormClient) -> None:
    ada, browser = await people("ada")
    remote.add_actor("rita")
    remote.add_actor("hikers", "Group")
    # Visitors cannot make the server fetch for them.
    page = await visitor.get(f"/explore?handle=@rita@{remote.host}")
    assert "Sign in to look up accounts on other servers." in page.text and remote.fetched == []

    page = await browser.get(f"/explore?handle=@rita@{remote.host}")
    assert "Rita" in page.text and f"@rita@{remote.host}" in page.text and ">Follow</button>" in page.text
    rita = await Actor.get(uri=f"{remote.base_url}/users/rita")
    page = await browser.submit(f"/explore?handle=@rita@{remote.host}", f"/actors/{rita.id}/follow",
                                {"next": f"/explore?handle=@rita@{remote.host}"})
    assert "Your follow request was sent" in page.text and "Follow requested" in page.text
    assert (await Follow.get(follower=ada, target=rita)).state == PENDING
    await moot.drain()
    follows = [r.body for r in remote.received if r.body.get("type") == "Follow"]
    assert follows and follows[0]["object"] == rita.uri and follows[0]["actor"] == ada.uri

    page = await browser.get(f"/explore?handle=hikers@{remote.host}")
    assert ">Join</button>" in page.text
    page = await browser.get(f"/explore?handle=@nobody@{remote.host}")
    assert "Nobody was found" in page.text


# --- groups -------------------------------------------------------------------------------------


async def test_group_page_shows_pinned_first_then_about_and_rules(moot: MootInstance, visitor: FormClient) -> None:
    bob, _ = await moot.user("bob")
    garden = await group(moot, "gardening", bob, display_name="Gardening",
                         description="All things green.", rules="1. Be kind\n2. No spam")
    pinned = await post(moot, bob, "Read this first", group=garden, title="Welcome, gardeners")
    from federation.groups import moderation
    await moderation.pin_post(moot.fed, bob, pinned)
    await post(moot, bob, "Slugs everywhere", group=garden, title="Slug trouble")

    page = await visitor.get("/groups/gardening")
    assert page.status == 200
    text = page.text
    assert "All things green." in text and "<li>Be kind</li>" in text and "<li>No spam</li>" in text
    # The threads come first (pinned on top); about and rules follow in the sidebar (the About tab on phones).
    assert text.index("Welcome, gardeners") < text.index("Slug trouble") < text.index("Rules")
    about = await visitor.get("/groups/gardening/about")
    assert about.status == 200 and "All things green." in about.text and "<li>Be kind</li>" in about.text
    assert "Owner" in text and "Sign in to join" in text
    # ActivityPub clients still get the actor document at the same URL.
    status, doc = await moot.get_ap(f"{moot.base_url}/groups/gardening")
    assert status == 200 and doc["type"] == "Group"


async def test_private_group_shows_posts_to_members_only(moot: MootInstance, people: People,
                                                         visitor: FormClient) -> None:
    bob, bob_browser = await people("bob")
    _, carl_browser = await people("carl")
    secret = await group(moot, "secret", bob, display_name="Secret", private=True)
    await post(moot, bob, "Hush", group=secret, title="The hidden plan")

    for browser in (visitor, carl_browser):
        page = await browser.get("/groups/secret")
        assert page.status == 200 and "only members see its posts" in page.text
        assert "The hidden plan" not in page.text
    members = await carl_browser.get("/groups/secret/members")
    assert members.status == 403
    page = await bob_browser.get("/groups/secret")
    assert "The hidden plan" in page.text
    thread_id = (await Post.get(name="The hidden plan")).id
    assert (await carl_browser.get(f"/threads/{thread_id}")).status == 404
    assert (await bob_browser.get(f"/threads/{thread_id}")).status == 200


async def test_group_posts_sort_by_new_active_and_top(moot: MootInstance, visitor: FormClient) -> None:
    bob, _ = await moot.user("bob")
    fans = [(await moot.user(name))[0] for name in ("fan1", "fan2")]
    garden = await group(moot, "gardening", bob)
    oldest = await post(moot, bob, "a", group=garden, title="Oldest thread")
    liked = await post(moot, bob, "b", group=garden, title="Liked thread")
    newest = await post(moot, bob, "c", group=garden, title="Newest thread")
    for fan in fans:
        await actions.like(moot.fed, fan, liked)
    await post(moot, fans[0], "a late reply", in_reply_to=oldest)

    def order(page: Page) -> list[str]:
        return [t for t in re.findall(r"(Oldest|Liked|Newest) thread", page.text)]

    assert order(await visitor.get("/groups/gardening")) == ["Newest", "Liked", "Oldest"]
    assert order(await visitor.get("/groups/gardening?sort=active")) == ["Oldest", "Newest", "Liked"]
    top = await visitor.get("/groups/gardening?sort=top")
    assert order(top)[0] == "Liked" and re.search(r'aria-current="page">\s*Top', top.text)
    assert newest.id and "2 likes" in top.text


async def test_join_public_group_at_once_and_leave(moot: MootInstance, people: People) -> None:
    cleo, browser = await people("cleo")
    bob, _ = await moot.user("bob")
    garden = await group(moot, "gardening", bob)

    page = await browser.get("/groups/gardening")
    assert ">Join</button>" in page.text
    page = await browser.submit("/groups/gardening", f"/actors/{garden.id}/follow", {"next": "/groups/gardening"})
    assert page.url.endswith("/groups/gardening?notice=joined") and "You joined the group." in page.text
    assert ">Leave</button>" in page.text
    assert (await Follow.get(follower=cleo, target=garden)).state == ACCEPTED
    page = await browser.submit("/groups/gardening", f"/actors/{garden.id}/unfollow", {"next": "/groups/gardening"})
    assert "You left the group." in page.text and ">Join</button>" in page.text
    assert not await Follow.filter(follower=cleo, target=garden).exists()


async def test_join_private_group_is_a_request(moot: MootInstance, people: People) -> None:
    cleo, browser = await people("cleo")
    bob, _ = await moot.user("bob")
    secret = await group(moot, "secret", bob, private=True)

    page = await browser.get("/groups/secret")
    assert ">Request to join</button>" in page.text
    page = await browser.submit("/groups/secret", f"/actors/{secret.id}/follow", {"next": "/groups/secret"})
    assert "Your request to join was sent" in page.text and "Join requested" in page.text
    assert ">Cancel request</button>" in page.text
    assert (await Follow.get(follower=cleo, target=secret)).state == PENDING


async def test_composer_posts_a_titled_page_into_the_group(moot: MootInstance, people: People) -> None:
    cleo, browser = await people("cleo")
    bob, _ = await moot.user("bob")
    garden = await group(moot, "gardening", bob)
    await actions.follow(moot.fed, cleo, garden)

    page = await browser.get("/groups/gardening")
    assert 'enctype="multipart/form-data"' in page.text and 'name="spoiler_text"' in page.text
    page = await browser.submit("/groups/gardening", "/groups/gardening/posts",
                                {"title": "My first harvest", "body": "Carrots!", "spoiler_text": "vegetables"})
    created = await Post.get(name="My first harvest")
    assert page.url.endswith(f"/threads/{created.id}?notice=posted")
    assert created.type == "Page" and created.group_id == garden.id and created.author_id == cleo.id
    assert created.summary == "vegetables" and "Carrots!" in created.content
    assert "My first harvest" in page.text

    # The form is multipart (it carries images): a browser's multipart submission works the same way.
    form = await browser.get("/groups/gardening")
    data = aiohttp.FormData()
    data.add_field("csrf_token", CSRF_INPUT.search(form.text).group(1))  # type: ignore[union-attr]
    data.add_field("title", "Sent as multipart")
    data.add_field("body", "with a form")
    async with browser.session.post(moot.base_url + "/groups/gardening/posts", data=data) as response:
        assert response.status == 200 and "/threads/" in str(response.url)
    assert await Post.filter(name="Sent as multipart", group=garden).exists()

    page = await browser.submit("/groups/gardening", "/groups/gardening/posts", {"title": "", "body": "no title"})
    assert page.status == 422 and "Give your post a title." in page.text and "no title" in page.text


async def test_composer_tells_when_a_post_waits_for_review(moot: MootInstance, people: People) -> None:
    _, browser = await people("cleo")
    bob, _ = await moot.user("bob")
    garden = await group(moot, "gardening", bob, non_member_posts="hold")

    page = await browser.submit("/groups/gardening", "/groups/gardening/posts", {"title": "Hello all", "body": "hi"})
    assert "waiting for a moderator" in page.text
    assert (await Post.get(name="Hello all")).group_id is None
    assert garden.id


async def test_members_page_lists_roles(moot: MootInstance, visitor: FormClient) -> None:
    bob, _ = await moot.user("bob")
    dana, _ = await moot.user("dana")
    erin, _ = await moot.user("erin")
    garden = await group(moot, "gardening", bob)
    from federation.groups import moderation
    await actions.follow(moot.fed, dana, garden)
    await actions.follow(moot.fed, erin, garden)
    await moderation.set_moderator(moot.fed, bob, garden, dana, True)

    page = await visitor.get("/groups/gardening/members")
    assert page.status == 200 and "3 members" in page.text
    rows = {name: row for name, row in re.findall(r'<li class="list-row">.*?<a class="display" href="[^"]+">(\w+)</a>(.*?)</li>', page.text, re.S)}
    assert "Owner" in rows["bob"] and "Moderator" in rows["dana"]
    assert "Owner" not in rows["erin"] and "Moderator" not in rows["erin"]


# --- threads ------------------------------------------------------------------------------------


async def test_thread_nests_replies_and_takes_replies_and_likes(moot: MootInstance, people: People) -> None:
    ada, browser = await people("ada")
    bob, _ = await moot.user("bob")
    carl, _ = await moot.user("carl")
    garden = await group(moot, "gardening", bob)
    for member in (ada, carl):
        await actions.follow(moot.fed, member, garden)
    root = await post(moot, bob, "What grows in shade?", group=garden, title="Shade plants")
    first = await post(moot, carl, "Ferns do well", in_reply_to=root)
    nested = await post(moot, bob, "Which ferns?", in_reply_to=first)
    second = await post(moot, carl, "Hostas too", in_reply_to=root)

    page = await browser.get(f"/threads/{root.id}")
    assert page.status == 200
    assert articles(page) == [str(root.id), str(first.id), str(nested.id), str(second.id)]
    # The nested reply sits in a list inside the first reply's item.
    first_item = page.text[page.text.index(f'id="post-{first.id}"'):page.text.index(f'id="post-{second.id}"')]
    assert '<ol class="replies">' in first_item and f'id="post-{nested.id}"' in first_item

    page = await browser.submit(f"/threads/{root.id}", f"/threads/{first.id}/reply",
                                {"body": "Try the lady fern", "next": f"/threads/{root.id}"})
    answer = await Post.get(source="Try the lady fern")
    assert answer.in_reply_to_id == first.id and answer.group_id == garden.id
    assert page.url.endswith(f"/threads/{root.id}?notice=posted") and "Try the lady fern" in page.text

    page = await browser.submit(f"/threads/{root.id}", f"/threads/{second.id}/like", {"next": f"/threads/{root.id}"})
    assert await Interaction.filter(kind=LIKE, actor=ada, post=second).exists()
    assert f'action="/threads/{second.id}/unlike"' in page.text
    await browser.submit(f"/threads/{root.id}", f"/threads/{second.id}/unlike", {"next": f"/threads/{root.id}"})
    assert not await Interaction.filter(kind=LIKE, actor=ada, post=second).exists()

    empty = await browser.submit(f"/threads/{root.id}", f"/threads/{root.id}/reply", {"body": "  "})
    assert empty.status == 422 and "Write something to reply." in empty.text


async def test_moderator_removes_a_reply_inline_with_a_reason(moot: MootInstance, people: People,
                                                              visitor: FormClient) -> None:
    bob, browser = await people("bob")
    carl, _ = await moot.user("carl")
    garden = await group(moot, "gardening", bob)
    await actions.follow(moot.fed, carl, garden)
    root = await post(moot, bob, "Post your tips", group=garden, title="Tips")
    spam = await post(moot, carl, "Buy cheap watches", in_reply_to=root)

    page = await browser.get(f"/threads/{root.id}")
    assert f'action="/threads/{spam.id}/moderate/remove"' in page.text
    # One moderator menu per post: one reason, a button per action (the others post to their own action).
    assert f'formaction="/threads/{root.id}/moderate/lock"' in page.text
    page = await browser.submit(f"/threads/{root.id}", f"/threads/{spam.id}/moderate/remove",
                                {"reason": "off topic", "next": f"/threads/{root.id}"})
    assert page.status == 200 and "Done. The moderation log records it." in page.text
    # The moderator still sees it, marked, with Restore; readers do not (below).
    assert "Buy cheap watches" in page.text and "Removed" in page.text
    assert f'action="/threads/{spam.id}/moderate/restore"' in page.text
    assert (await Post.get(id=spam.id)).removed_at is not None
    entry = await ModLogEntry.get(action="post.removed")
    assert entry.reason == "off topic" and entry.target == spam.uri and entry.moderator_id == bob.id  # type: ignore[attr-defined]
    assert "Buy cheap watches" not in (await visitor.get(f"/threads/{root.id}")).text

    await browser.submit(f"/threads/{root.id}", f"/threads/{root.id}/moderate/lock",
                         {"reason": "resolved", "next": f"/threads/{root.id}"})
    assert (await Post.get(id=root.id)).locked_at is not None
    assert (await ModLogEntry.get(action="post.locked")).reason == "resolved"
    await browser.submit(f"/threads/{root.id}", f"/threads/{spam.id}/moderate/ban",
                         {"reason": "spammer", "next": f"/threads/{root.id}"})
    assert (await ModLogEntry.get(action="member.banned")).reason == "spammer"


async def test_non_moderators_see_no_moderator_actions_and_are_refused(moot: MootInstance, people: People,
                                                                      visitor: FormClient) -> None:
    carl, browser = await people("carl")
    bob, _ = await moot.user("bob")
    garden = await group(moot, "gardening", bob)
    await actions.follow(moot.fed, carl, garden)
    root = await post(moot, bob, "Post your tips", group=garden, title="Tips")

    for viewer in (browser, visitor):
        page = await viewer.get(f"/threads/{root.id}")
        assert page.status == 200 and "/moderate/" not in page.text and "Moderate" not in page.text
    for action in ("remove", "lock", "pin", "ban", "mute"):
        page = await browser.submit(f"/threads/{root.id}", f"/threads/{root.id}/moderate/{action}",
                                    {"reason": "because"})
        assert page.status == 403, action
    fresh = await Post.get(id=root.id)
    assert fresh.removed_at is None and fresh.locked_at is None and fresh.pinned_at is None
    assert not await ModLogEntry.filter(action__startswith="post.").exists()
    # Signed out, the form leads to the sign-in page instead.
    page = await visitor.submit("/login", f"/threads/{root.id}/moderate/remove", {"reason": "x"})
    assert "/login?next=" in page.url


# --- profiles -----------------------------------------------------------------------------------


async def test_profile_shows_contact_details_category_and_the_mastodon_handle(moot: MootInstance, people: People,
                                                                              visitor: FormClient) -> None:
    bob, _ = await moot.user("bob")
    bakery, _ = await moot.page("bakery", owner=bob, display_name="Corner Bakery", category="Food", profile_fields=[
        {"name": "Email", "value": "hello@bakery.example"}, {"name": "Website", "value": "https://bakery.example"},
        {"name": "Phone", "value": "+31 20 123 4567"}])
    await post(moot, bakery, "Croissants at eight")

    page = await visitor.get("/@bakery")
    assert page.status == 200
    assert "Corner Bakery" in page.text and "Food" in page.text and "Croissants at eight" in page.text
    assert 'href="mailto:hello@bakery.example"' in page.text and 'href="https://bakery.example"' in page.text
    assert "+31 20 123 4567" in page.text
    handle = f"@bakery@{moot.host}"
    assert f'data-copy="{handle}"' in page.text and f"<code id=\"handle\">{handle}</code>" in page.text
    assert "Sign in to follow" in page.text and "Post as" not in page.text
    # The same page at the actor URL; ActivityPub clients are sent to the actor.
    assert "Corner Bakery" in (await visitor.get("/pages/bakery")).text
    status, doc = await moot.get_ap(f"{moot.base_url}/@bakery")
    assert status == 200 and doc["id"] == bakery.uri

    dana, browser = await people("dana")
    page = await browser.submit("/@bakery", f"/actors/{bakery.id}/follow", {"next": "/@bakery"})
    assert "You follow them now." in page.text and ">Unfollow</button>" in page.text
    assert (await Follow.get(follower=dana, target=bakery)).state == ACCEPTED


async def test_remote_follow_sends_the_visitor_to_their_own_server(moot: MootInstance, remote: FakeRemote,
                                                                   visitor: FormClient) -> None:
    bob, _ = await moot.user("bob")
    bakery, _ = await moot.page("bakery", owner=bob)

    async def sent_to(handle: str) -> tuple[str, list[str]]:
        response = await post_form(visitor, "/@bakery", "/@bakery/remote_follow", {"handle": handle})
        assert response.status == 303
        location = urlsplit(response.headers["Location"])
        return f"{location.scheme}://{location.netloc}{location.path}", parse_qs(location.query)["uri"]

    assert await sent_to(f"@me@{remote.host}") == (f"http://{remote.host}/authorize_interaction", [bakery.uri])
    assert await sent_to("me@Mastodon.Example") == ("https://mastodon.example/authorize_interaction", [bakery.uri])
    assert await sent_to(f"@me@{moot.host}") == (f"{moot.base_url}/authorize_interaction", [bakery.uri])

    page = await visitor.submit("/@bakery", "/@bakery/remote_follow", {"handle": "just a name"})
    assert page.status == 422 and "Type your own handle" in page.text


async def test_authorize_interaction_asks_to_sign_in_then_to_confirm(moot: MootInstance, remote: FakeRemote,
                                                                     visitor: FormClient) -> None:
    bob, _ = await moot.user("bob")
    bakery, _ = await moot.page("bakery", owner=bob, display_name="Corner Bakery")
    dana, _ = await moot.user("dana")
    await LocalUser.filter(actor=dana).update(password_hash=hash_password(PASSWORD))
    await moot.user("siteadmin", is_admin=True)
    target = f"/authorize_interaction?uri={quote(bakery.uri, safe='')}"

    page = await visitor.get(target)
    assert "/login?next=" in page.url and "authorize_interaction" in page.url
    next_url = re.search(r'name="next" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert next_url.startswith("/authorize_interaction?uri=")
    page = await visitor.submit(page.url.removeprefix(moot.base_url), "/login",
                                {"username": "dana", "password": PASSWORD, "next": next_url.replace("&amp;", "&")})
    assert "Corner Bakery" in page.text and ">Follow</button>" in page.text
    page = await visitor.submit(target, f"/actors/{bakery.id}/follow", {"next": target})
    assert "You follow them now." in page.text
    assert (await Follow.get(follower=dana, target=bakery)).state == ACCEPTED

    remote.add_actor("rita")
    page = await visitor.get(f"/authorize_interaction?uri={quote(remote.actors['rita'].uri, safe='')}")
    assert page.status == 200 and "Rita" in page.text
    page = await visitor.get("/authorize_interaction?uri=nonsense")
    assert page.status == 404 and "Nobody was found" in page.text


async def test_page_admins_post_as_the_page_and_the_owner_manages_co_admins(moot: MootInstance,
                                                                           people: People) -> None:
    bob, bob_browser = await people("bob")
    dana, dana_browser = await people("dana")
    _, carl_browser = await people("carl")
    bakery, _ = await moot.page("bakery", owner=bob, display_name="Corner Bakery")

    page = await bob_browser.get("/@bakery")
    assert "Post as Corner Bakery" in page.text and "Add co-admin" in page.text
    page = await carl_browser.get("/@bakery")
    assert "Post as" not in page.text and "Co-admins" not in page.text
    assert (await carl_browser.submit("/@bakery", "/@bakery/posts", {"body": "hijack"})).status == 403

    page = await bob_browser.submit("/@bakery", "/@bakery/admins", {"admin_name": "dana"})
    assert "Co-admin added." in page.text
    assert (await PageRole.get(page=bakery, user=dana)).role == "admin"
    page = await bob_browser.submit("/@bakery", "/@bakery/admins", {"admin_name": "nobody"})
    assert page.status == 422 and "Nobody here is called nobody." in page.text

    page = await dana_browser.get("/@bakery")
    assert "Post as Corner Bakery" in page.text and "Add co-admin" not in page.text
    page = await dana_browser.submit("/@bakery", "/@bakery/posts", {"body": "Rye bread today", "visibility": "public"})
    assert "Posted." in page.text and "Rye bread today" in page.text
    assert (await Post.get(source="Rye bread today")).author_id == bakery.id
    assert (await dana_browser.submit("/@bakery", "/@bakery/admins", {"admin_name": "carl"})).status == 403

    page = await bob_browser.submit("/@bakery", f"/@bakery/admins/{dana.id}/remove", {})
    assert "Co-admin removed." in page.text
    assert not await PageRole.filter(page=bakery, user=dana).exists()
    assert (await dana_browser.submit("/@bakery", "/@bakery/posts", {"body": "again"})).status == 403


# --- CSRF ---------------------------------------------------------------------------------------


async def test_community_forms_without_the_csrf_token_are_refused(moot: MootInstance, people: People) -> None:
    ada, browser = await people("ada")
    bob, _ = await moot.user("bob")
    garden = await group(moot, "gardening", bob)
    root = await post(moot, bob, "text", group=garden, title="A thread")
    attempts = [
        (f"/actors/{garden.id}/follow", {}),
        ("/groups/gardening/posts", {"title": "Forged", "body": "forged"}),
        (f"/threads/{root.id}/reply", {"body": "forged reply"}),
        (f"/threads/{root.id}/like", {}),
        ("/@ada/posts", {"body": "forged status"}),
    ]
    for action, fields in attempts:
        page = await browser.submit("/home", action, fields, csrf=False)
        assert page.status == 403 and "form expired" in page.text, action
    assert not await Follow.filter(follower=ada, target=garden).exists()
    assert await Post.filter(author=ada).count() == 0
    assert not await Interaction.filter(actor=ada).exists()


async def test_a_reader_reports_a_post_to_the_groups_moderators(moot: MootInstance, people: People) -> None:
    from models.moderation import Report

    bob, _ = await moot.user("bob")
    carl, browser = await people("carl")
    garden = await group(moot, "gardening", bob)
    await actions.follow(moot.fed, carl, garden)
    spam = await post(moot, bob, "Buy seeds from my shop", group=garden, title="Cheap seeds")
    page = await browser.get(f"/threads/{spam.id}")
    assert f'action="/threads/{spam.id}/report"' in page.text
    page = await browser.submit(f"/threads/{spam.id}", f"/threads/{spam.id}/report",
                                {"comment": "advertising", "next": f"/threads/{spam.id}"})
    assert page.status == 200 and "The moderators will look at your report." in page.text
    report = await Report.get(group=garden)
    assert report.comment == "advertising" and report.reporter_id == carl.id and report.target_actor_id == bob.id
