"""Member tags: computed ones (New, Active, Top contributor) with controlled dates, and tags beside names on
the group page, the thread and the members page; a private group's tags only for its members."""
from __future__ import annotations

from datetime import timedelta

from federation import actions
from federation.actions import StatusInput
from models.actors import Actor
from models.follows import Follow
from models.member_tags import MemberTag, MemberTagging
from models.posts import LIKE, Interaction, Post
from tests.community.test_members_directory import NOW, World, build_world, sign_in
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.web.browser import FormClient

SOIL = '<span class="badge member-tag">Soil expert</span>'


async def post(w: World, author: Actor, title: str, days_ago: int, parent: Post | None = None) -> Post:
    w.moot.use()
    made = await actions.create_status(w.moot.fed, author, StatusInput(
        text=title, group=None if parent else w.group, title=None if parent else title, in_reply_to=parent))
    await Post.filter(id=made.id).update(published=NOW - timedelta(days=days_ago))
    return await Post.get(id=made.id)


async def like(w: World, actor: Actor, target: Post, days_ago: int) -> None:
    await actions.like(w.moot.fed, actor, target)
    await Interaction.filter(kind=LIKE, actor=actor, post=target).update(created_at=NOW - timedelta(days=days_ago))


async def tags_of(w: World) -> dict[str, list[str]]:
    status, body = await w.api("GET", "/directory")
    assert status == 200, body
    return {row["account"]["acct"]: [tag["name"] for tag in row["tags"]] for row in body["members"]}


async def test_computed_tags_follow_the_dates(moot: MootInstance, remote: FakeRemote) -> None:
    w = await build_world(moot, remote)
    await Follow.filter(target=w.group).update(accepted_at=NOW - timedelta(days=40))
    await Follow.filter(target=w.group, follower=w.ada).update(accepted_at=NOW - timedelta(days=3))
    await post(w, w.ada, "Fresh compost", days_ago=5)  # active
    bens = await post(w, w.ben, "Old slugs", days_ago=40)  # not active, but drew replies and likes lately
    for replier in (w.ada, w.mia, w.owner):
        await post(w, replier, "Beer traps", days_ago=39, parent=bens)
    await like(w, w.ada, bens, days_ago=39)
    await like(w, w.mia, bens, days_ago=39)
    ancient = await post(w, w.mia, "Ancient", days_ago=100)  # its replies and likes are too old to count
    await post(w, w.ada, "Reply", days_ago=100, parent=ancient)
    await like(w, w.ben, ancient, days_ago=100)
    # The replies made ada, mia and the owner active (39 days ago is outside 30: not them), so only ada posted lately.
    tags = await tags_of(w)
    assert tags["ada"] == ["Active", "New"]
    assert tags["ben"] == ["Top contributor"]
    assert tags["mia"] == [] and tags["garden_owner"] == []
    assert await w.directory(tag="new") == ["ada"]
    assert await w.directory(tag="active") == ["ada"]
    assert await w.directory(tag="top") == ["ben"]

    # A like from the last days lifts mia above nobody: she joins the top contributors (top few, not top one).
    await like(w, w.ben, await post(w, w.mia, "Mulch", days_ago=2), days_ago=1)
    assert await w.directory(tag="top") == ["ben", "mia"]
    assert (await tags_of(w))["mia"] == ["Top contributor", "Active"]


async def test_tags_beside_names_on_group_page_thread_and_members(moot: MootInstance, remote: FakeRemote) -> None:
    w = await build_world(moot, remote)
    tag = await MemberTag.create(group=w.group, name="Soil expert")
    await MemberTagging.create(tag=tag, group=w.group, actor=w.ada)
    root = await post(w, w.ada, "Compost questions", days_ago=1)
    await post(w, w.ben, "Try worms", days_ago=0, parent=root)
    await Follow.filter(target=w.group).update(accepted_at=NOW - timedelta(days=40))
    visitor = FormClient(moot.base_url)
    try:
        page = await visitor.get("/groups/garden")
        assert page.status == 200
        row = page.text[page.text.index("Compost questions"):]
        assert SOIL in row[:2500] and "Active" in row[:2500]
        page = await visitor.get(f"/threads/{root.id}")
        head = page.text[page.text.index(f'id="post-{root.id}"'):]
        assert SOIL in head[:1500]
        assert SOIL in page.text and page.text.count(SOIL) == 1  # ben's reply carries no Soil expert
        page = await visitor.get("/groups/garden/members")
        assert SOIL in page.text
        # Nobody else's page gets tags: a profile lists ada's posts without the group's tags.
        page = await visitor.get(f"/@{w.ada.local_name}")
        assert "member-tag" not in page.text
    finally:
        await visitor.close()


async def test_private_group_tags_are_for_members_only(moot: MootInstance, remote: FakeRemote) -> None:
    w = await build_world(moot, remote, private=True)
    status, tag = await w.api("POST", "/member_tags", json={"name": "Soil expert"})
    assert status == 201
    status, _ = await w.api("POST", f"/members/{w.ada.id}/tags", json={"tag": "soil EXPERT"})
    assert status == 200
    root = await post(w, w.ada, "Compost questions", days_ago=1)
    outsider, outsider_token = await moot.user("olga")
    olga = await sign_in(moot, outsider)
    ada = await sign_in(moot, w.ada)
    try:
        for path in ("/groups/garden", f"/threads/{root.id}", "/groups/garden/members"):
            page = await olga.get(path)
            assert "Soil expert" not in page.text, path
        assert (await olga.get("/groups/garden/members")).status == 403
        status, _ = await w.api("GET", "/member_tags", outsider_token)
        assert status == 403
        page = await ada.get("/groups/garden")
        assert SOIL in page.text
        page = await ada.get(f"/threads/{root.id}")
        assert SOIL in page.text
    finally:
        await olga.close()
        await ada.close()
    # Tags are bounded and clean: an empty or a long name is a 422, a missing tag a 404.
    status, _ = await w.api("POST", "/member_tags", json={"name": "   "})
    assert status == 422
    status, _ = await w.api("POST", "/member_tags", json={"name": "x" * 41})
    assert status == 422
    status, _ = await w.api("DELETE", f"/members/{w.ada.id}/tags/999999")
    assert status == 404
    status, _ = await w.api("DELETE", f"/member_tags/{tag['id']}")
    assert status == 200 and not await MemberTagging.filter(actor=w.ada).exists()
