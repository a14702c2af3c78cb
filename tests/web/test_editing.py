"""Editing after creation, in a browser without JavaScript: a group's settings and pictures, a page's profile,
and a post. Each edit is stored and federated as an Update; everyone else is refused."""
from __future__ import annotations

import io
import re
from typing import Any

import aiohttp
from PIL import Image

from federation.groups import moderation
from models.accounts import MediaFile
from models.actors import Actor, PageRole
from models.groups import GroupProfile
from models.posts import Post
from tests.conftest import MootInstance
from tests.fakeremote import PUBLIC, FakeRemote
from tests.federation.test_mastodon_remote import follow_activity
from tests.groups.helpers import remote_member, wrapped
from tests.web.browser import CSRF_INPUT, FormClient, Page
from tests.web.test_community_pages import People, group, people, post, visitor  # noqa: F401 (fixtures)


def png(size: tuple[int, int], color: tuple[int, int, int] = (200, 30, 30)) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    out.seek(0)
    return out


async def submit(browser: FormClient, form_page: str, action: str, fields: dict[str, Any],
                 follow: bool = True) -> Page:
    """POST the form (multipart when a file is in it) with the form page's CSRF token."""
    match = CSRF_INPUT.search((await browser.get(form_page)).text)
    assert match, form_page
    async with browser.session.post(browser.base_url + action, data={**fields, "csrf_token": match.group(1)},
                                    allow_redirects=follow) as response:
        return Page(response.status, response.headers.get("Location", str(response.url)), await response.text())


async def fetch_image(moot: MootInstance, url: str) -> Image.Image:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        return Image.open(io.BytesIO(await response.read()))


GROUP_FORM = {"display_name": "Allotment Growers", "description": "Everything about the allotment.",
              "rules": "Be kind\nNo selling", "non_member_posts": "accept", "discoverable": "1"}


# --- a group --------------------------------------------------------------------------------------------------


async def test_owner_edits_the_group_and_the_group_federates_update_with_its_pictures(
        moot: MootInstance, people: People, remote: FakeRemote) -> None:
    ada, browser = await people("ada")
    garden = await group(moot, "gardening", ada, display_name="Gardening", description="Old words.")
    await remote_member(moot, remote, garden, "bea")
    remote.received.clear()

    form = await browser.get("/groups/gardening/edit")
    assert form.status == 200
    assert 'value="Gardening"' in form.text and "Old words." in form.text
    assert 'enctype="multipart/form-data"' in form.text and 'id="f-avatar"' in form.text

    page = await submit(browser, "/groups/gardening/edit", "/groups/gardening/edit", {
        **GROUP_FORM, "restricted_posting": "1", "non_member_posts": "hold",
        "avatar": png((600, 400)), "header": png((3000, 1000), (20, 90, 200)),
    }, follow=False)
    assert page.status == 303 and page.url.endswith("/groups/gardening?notice=group_saved")

    garden = await Actor.get(id=garden.id)
    profile = await GroupProfile.get(group=garden)
    assert garden.display_name == "Allotment Growers" and garden.posting_restricted_to_mods
    assert profile.description == "Everything about the allotment." and profile.rules == "Be kind\nNo selling"
    assert profile.non_member_posts == "hold" and not profile.is_private
    assert garden.icon_url and garden.image_url
    assert (await fetch_image(moot, garden.icon_url)).size == (400, 400)
    assert (await fetch_image(moot, garden.image_url)).size == (1500, 500)
    assert {m.owner_id for m in await MediaFile.all()} == {garden.id}

    await moot.drain()
    (update,) = remote.activities("Update")
    assert update["actor"] == garden.uri and update["object"]["id"] == garden.uri
    assert update["object"]["name"] == "Allotment Growers" and update["object"]["postingRestrictedToMods"] is True
    assert update["object"]["icon"] == {"type": "Image", "url": garden.icon_url}
    assert update["object"]["image"] == {"type": "Image", "url": garden.image_url}
    assert "<li>No selling</li>" in update["object"]["summary"]
    assert update["to"] == [PUBLIC] and all(r.verified for r in remote.received)

    # Only a new picture: that alone federates too. Removing one does as well.
    remote.received.clear()
    old_icon = garden.icon_url
    await submit(browser, "/groups/gardening/edit", "/groups/gardening/edit", {
        **GROUP_FORM, "restricted_posting": "1", "non_member_posts": "hold", "avatar": png((100, 100))})
    garden = await Actor.get(id=garden.id)
    assert garden.icon_url and garden.icon_url != old_icon
    await moot.drain()
    (update,) = remote.activities("Update")
    assert update["object"]["icon"]["url"] == garden.icon_url
    remote.received.clear()
    await submit(browser, "/groups/gardening/edit", "/groups/gardening/edit", {
        **GROUP_FORM, "restricted_posting": "1", "non_member_posts": "hold", "remove_header": "1"})
    assert (await Actor.get(id=garden.id)).image_url is None
    await moot.drain()
    (update,) = remote.activities("Update")
    assert "image" not in update["object"]

    # Saving the form unchanged sends nothing.
    remote.received.clear()
    await submit(browser, "/groups/gardening/edit", "/groups/gardening/edit", {
        **GROUP_FORM, "restricted_posting": "1", "non_member_posts": "hold"})
    await moot.drain()
    assert remote.activities("Update") == []


async def test_making_a_group_private_addresses_the_update_to_its_members_only(
        moot: MootInstance, people: People, remote: FakeRemote) -> None:
    ada, browser = await people("ada")
    garden = await group(moot, "gardening", ada)
    await remote_member(moot, remote, garden, "bea")
    remote.received.clear()
    page = await submit(browser, "/groups/gardening/edit", "/groups/gardening/edit",
                        {**GROUP_FORM, "private": "1", "non_member_posts": "reject"}, follow=False)
    assert page.status == 303 and page.url.endswith("/groups/gardening?notice=group_saved")
    garden = await Actor.get(id=garden.id)
    assert garden.manually_approves and not garden.discoverable  # private groups are never listed
    assert (await GroupProfile.get(group=garden)).is_private
    await moot.drain()
    (update,) = remote.activities("Update")
    assert update["to"] == [garden.followers_url] and PUBLIC not in update.get("cc", [])
    assert update["object"]["manuallyApprovesFollowers"] is True


async def test_a_moderator_may_edit_the_group_and_nobody_else(moot: MootInstance, people: People,
                                                              visitor: FormClient) -> None:  # noqa: F811
    ada, _ = await people("ada")
    dana, danas = await people("dana")
    _, noras = await people("nora")
    garden = await group(moot, "gardening", ada)
    await moderation.set_moderator(moot.fed, ada, garden, dana, True)

    assert (await danas.get("/groups/gardening/edit")).status == 200
    page = await submit(danas, "/groups/gardening/edit", "/groups/gardening/edit",
                        {**GROUP_FORM, "display_name": "Dana's edit"}, follow=False)
    assert page.status == 303 and (await Actor.get(id=garden.id)).display_name == "Dana's edit"

    assert (await noras.get("/groups/gardening/edit")).status == 403
    match = CSRF_INPUT.search((await noras.get("/settings")).text)
    assert match
    async with noras.session.post(moot.base_url + "/groups/gardening/edit",
                                  data={**GROUP_FORM, "display_name": "Nora's", "csrf_token": match.group(1)}) as resp:
        assert resp.status == 403
    assert (await Actor.get(id=garden.id)).display_name == "Dana's edit"
    page = await visitor.get("/groups/gardening/edit")
    assert "/login?next=/groups/gardening/edit" in page.url
    assert (await danas.get("/groups/nosuchgroup/edit")).status == 404


async def test_group_form_errors_are_shown_in_place_and_change_nothing(moot: MootInstance, people: People,
                                                                       remote: FakeRemote) -> None:
    ada, browser = await people("ada")
    garden = await group(moot, "gardening", ada, display_name="Gardening")
    await remote_member(moot, remote, garden, "bea")
    remote.received.clear()

    page = await submit(browser, "/groups/gardening/edit", "/groups/gardening/edit",
                        {**GROUP_FORM, "display_name": "x" * 101})
    assert page.status == 422 and "at most 100 characters" in page.text
    assert re.search(r'<p class="error" id="f-display_name-help">', page.text)
    assert 'aria-invalid="true"' in page.text and "Everything about the allotment." in page.text  # kept as typed
    page = await submit(browser, "/groups/gardening/edit", "/groups/gardening/edit",
                        {**GROUP_FORM, "non_member_posts": "welcome"})
    assert page.status == 422 and "Choose what happens to posts from non-members." in page.text
    page = await submit(browser, "/groups/gardening/edit", "/groups/gardening/edit",
                        {**GROUP_FORM, "avatar": io.BytesIO(b"not a picture at all")})
    assert page.status == 422 and "This file is not an image" in page.text
    page = await submit(browser, "/groups/gardening/edit", "/groups/gardening/edit",
                        {**GROUP_FORM, "display_name": "y" * 101, "avatar": png((50, 50))})
    assert page.status == 422

    assert (await Actor.get(id=garden.id)).display_name == "Gardening"
    assert await MediaFile.all().count() == 0
    await moot.drain()
    assert remote.activities("Update") == []


# --- a page ---------------------------------------------------------------------------------------------------


async def test_page_admins_edit_the_page_and_it_federates_update_service(moot: MootInstance, people: People,
                                                                        remote: FakeRemote) -> None:
    ada, browser = await people("ada")
    cleo, cleos = await people("cleo")
    bakery, _ = await moot.page("bakery", ada, display_name="Bakery", category="Food", summary="Bread.",
                                profile_fields=[{"name": "Website", "value": "https://old.example"},
                                                {"name": "Opening hours", "value": "8-18"}])
    await PageRole.create(page=bakery, user=cleo, role="admin")
    fan = remote.add_actor("fan")
    status, _ = await remote.send(fan, bakery.inbox, follow_activity(fan, bakery.uri))
    assert status == 202
    await moot.drain()
    remote.received.clear()

    form = await browser.get("/@bakery/edit")
    assert form.status == 200 and 'value="https://old.example"' in form.text and "Bread." in form.text

    page = await submit(cleos, "/@bakery/edit", "/@bakery/edit", {
        "display_name": "The Corner Bakery", "category": "Bakery", "summary": "Fresh <b>bread</b> daily. #sourdough",
        "website": "https://bakery.example", "email": "hello@bakery.example", "phone": "+31 20 123 4567",
        "avatar": png((300, 300)),
    }, follow=False)
    assert page.status == 303 and page.url.endswith("/@bakery?notice=page_saved")
    bakery = await Actor.get(id=bakery.id)
    assert bakery.display_name == "The Corner Bakery" and bakery.category == "Bakery"
    # Plain text in, like a bio: the markup is text, the hashtag a link here.
    assert "&lt;b&gt;bread&lt;/b&gt;" in bakery.summary and "<b>" not in bakery.summary
    assert f'href="{moot.base_url}/tags/sourdough"' in bakery.summary
    assert bakery.profile_fields == [
        {"name": "Website", "value": "https://bakery.example"}, {"name": "Email", "value": "hello@bakery.example"},
        {"name": "Phone", "value": "+31 20 123 4567"}, {"name": "Opening hours", "value": "8-18"},
    ]
    assert bakery.icon_url and (await fetch_image(moot, bakery.icon_url)).size == (300, 300)

    await moot.drain()
    (update,) = remote.activities("Update")
    assert update["actor"] == bakery.uri and update["object"]["type"] == "Service"
    assert update["object"]["name"] == "The Corner Bakery" and update["object"]["icon"]["url"] == bakery.icon_url
    assert {"type": "PropertyValue", "name": "Phone", "value": "+31 20 123 4567"} in update["object"]["attachment"]
    assert update["to"] == [PUBLIC] and all(r.verified for r in remote.received)

    # The edit form shows what is stored, as text to edit.
    form = await browser.get("/@bakery/edit")
    assert "Fresh &lt;b&gt;bread&lt;/b&gt; daily. #sourdough" in form.text


async def test_page_form_errors_and_who_may_edit(moot: MootInstance, people: People) -> None:
    ada, browser = await people("ada")
    _, boris = await people("boris")
    bakery, _ = await moot.page("bakery", ada, category="Food")
    fields = {"display_name": "Bakery", "category": "c" * 101, "summary": "", "website": "", "email": "",
              "phone": ""}
    page = await submit(browser, "/@bakery/edit", "/@bakery/edit", fields)
    assert page.status == 422 and "at most 100 characters" in page.text
    page = await submit(browser, "/@bakery/edit", "/@bakery/edit",
                        {**fields, "category": "Food", "website": "javascript:alert(1)", "email": "nobody",
                         "phone": "call me"})
    assert page.status == 422
    assert "starts with https://" in page.text and "like info@example.org" in page.text and "digits" in page.text
    assert (await Actor.get(id=bakery.id)).category == "Food"

    assert (await boris.get("/@bakery/edit")).status == 403
    assert (await boris.get("/@ada/edit")).status == 403
    own = await browser.get("/@ada/edit")  # a person's own profile is edited under /settings
    assert own.url.endswith("/settings") and own.status == 200
    assert (await browser.get("/@nobody/edit")).status == 404


# --- a post ---------------------------------------------------------------------------------------------------


async def test_the_author_edits_a_group_post_and_the_update_reaches_the_members(
        moot: MootInstance, people: People, remote: FakeRemote) -> None:
    ada, browser = await people("ada")
    garden = await group(moot, "gardening", ada)
    await remote_member(moot, remote, garden, "bea")
    thread = await post(moot, ada, "Tomatos are in", group=garden, title="Tomato sesaon")
    await moot.drain()
    remote.received.clear()

    form = await browser.get(f"/threads/{thread.id}/edit")
    assert form.status == 200 and 'value="Tomato sesaon"' in form.text and "Tomatos are in" in form.text
    page = await submit(browser, f"/threads/{thread.id}/edit", f"/threads/{thread.id}/edit", {
        "title": "Tomato season", "body": "Tomatoes are in!", "spoiler_text": "Garden talk"}, follow=False)
    assert page.status == 303 and page.url.endswith(f"/threads/{thread.id}?notice=post_edited#post-{thread.id}")

    edited = await Post.get(id=thread.id)
    assert edited.name == "Tomato season" and edited.source == "Tomatoes are in!"
    assert "Tomatoes are in!" in edited.content and edited.summary == "Garden talk" and edited.sensitive
    assert edited.edited_at is not None and edited.group_id == garden.id

    await moot.drain()
    updates = [u for u in remote.activities("Update") if u["actor"] == ada.uri] + wrapped(remote, garden, "Update")
    assert updates, [r.body["type"] for r in remote.received]
    for update in updates:
        assert update["object"]["id"] == thread.uri and update["object"]["name"] == "Tomato season"
        assert "Tomatoes are in!" in update["object"]["content"] and update["object"]["summary"] == "Garden talk"

    # Taking the warning away again.
    await submit(browser, f"/threads/{thread.id}/edit", f"/threads/{thread.id}/edit",
                 {"title": "Tomato season", "body": "Tomatoes are in!", "spoiler_text": ""})
    edited = await Post.get(id=thread.id)
    assert edited.summary is None and not edited.sensitive


async def test_a_reply_is_edited_and_the_form_returns_to_the_thread(moot: MootInstance, people: People) -> None:
    ada, _ = await people("ada")
    bob, browser = await people("bob")
    garden = await group(moot, "gardening", ada)
    thread = await post(moot, ada, "Slugs again", group=garden, title="Slugs")
    answer = await post(moot, bob, "Try beer trapz", in_reply_to=thread)

    form = await browser.get(f"/threads/{answer.id}/edit?next=/threads/{thread.id}")
    assert form.status == 200 and 'name="title"' not in form.text
    assert f'name="next" value="/threads/{thread.id}"' in form.text
    page = await submit(browser, f"/threads/{answer.id}/edit", f"/threads/{answer.id}/edit",
                        {"body": "Try beer traps", "spoiler_text": "", "next": f"/threads/{thread.id}"}, follow=False)
    assert page.status == 303 and page.url.endswith(f"/threads/{thread.id}?notice=post_edited#post-{answer.id}")
    assert (await Post.get(id=answer.id)).source == "Try beer traps"
    # An open redirect is not possible through `next`.
    page = await submit(browser, f"/threads/{answer.id}/edit", f"/threads/{answer.id}/edit",
                        {"body": "Try beer traps!", "next": "//evil.example/"}, follow=False)
    assert page.status == 303 and "evil.example" not in page.url


async def test_only_the_author_edits_a_post_and_empty_or_locked_ones_are_refused(
        moot: MootInstance, people: People, visitor: FormClient) -> None:  # noqa: F811
    ada, browser = await people("ada")
    _, boris = await people("boris")
    garden = await group(moot, "gardening", ada)
    thread = await post(moot, ada, "Words", group=garden, title="A title")

    assert (await boris.get(f"/threads/{thread.id}/edit")).status == 403
    match = CSRF_INPUT.search((await boris.get("/settings")).text)
    assert match
    async with boris.session.post(f"{moot.base_url}/threads/{thread.id}/edit",
                                  data={"title": "Mine", "body": "Mine", "csrf_token": match.group(1)}) as resp:
        assert resp.status == 403
    assert "/login?next=" in (await visitor.get(f"/threads/{thread.id}/edit")).url
    assert (await browser.get("/threads/999999/edit")).status == 404

    page = await submit(browser, f"/threads/{thread.id}/edit", f"/threads/{thread.id}/edit",
                        {"title": "", "body": "Words"})
    assert page.status == 422 and "Give your post a title." in page.text
    note = await post(moot, ada, "A note")
    page = await submit(browser, f"/threads/{note.id}/edit", f"/threads/{note.id}/edit", {"body": "  "})
    assert page.status == 422 and "Write something to post." in page.text
    assert (await Post.get(id=thread.id)).name == "A title" and (await Post.get(id=note.id)).source == "A note"

    await moderation.lock_post(moot.fed, ada, thread, "cooling down", locked=True)
    assert (await browser.get(f"/threads/{thread.id}/edit")).status == 403
    assert (await Post.get(id=thread.id)).edited_at is None
