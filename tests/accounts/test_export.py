"""Export: a ZIP with the outbox (ActivityStreams), the actor, and Mastodon-shaped CSV files."""
from __future__ import annotations

import csv
import io
import json
import zipfile

from models.client_state import Bookmark
from models.posts import Post
from tests.accounts.helpers import person, signed_in
from tests.conftest import MootInstance
from tests.groups.helpers import make_group


async def test_the_export_holds_every_own_post_and_the_follows_as_csv(moot: MootInstance) -> None:
    ada, _ = await person(moot, "ada", admin=True)
    bob, token = await person(moot, "bob")
    cleo, cleo_token = await person(moot, "cleo")
    page, _ = await moot.page("cider", ada)
    group, _, _, _ = await make_group(moot, "garden")
    for target in (page, group):
        status, _ = await moot.api("POST", f"/api/v1/accounts/{target.id}/follow", token)
        assert status == 200
    texts = {"public": "Bob in public", "private": "Bob for followers", "direct": "Bob to @cleo only"}
    for visibility, text in texts.items():
        status, _ = await moot.api("POST", "/api/v1/statuses", token, json={"status": text, "visibility": visibility})
        assert status == 200
    status, _ = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", token,
                               json={"title": "In the garden", "body": "Bob in the group"})
    assert status in (200, 201)
    status, to_bob = await moot.api("POST", "/api/v1/statuses", cleo_token,
                                    json={"status": "@bob Cleo writes to bob", "visibility": "direct"})
    assert status == 200
    moot.use()
    await Bookmark.create(actor=bob, post=await Post.get(id=int(to_bob["id"])))
    browser = await signed_in(moot, "bob")
    try:
        async with browser.session.get(moot.base_url + "/settings/account/export") as response:
            assert response.status == 200 and response.content_type == "application/zip"
            assert "attachment" in response.headers["Content-Disposition"]
            body = await response.read()
        async with browser.session.get(moot.base_url + "/settings/account") as response:
            assert 'href="/settings/account/export"' in await response.text()
    finally:
        await browser.close()
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert {"outbox.json", "actor.json", "likes.json", "following_accounts.csv", "groups.csv",
            "blocked_accounts.csv", "muted_accounts.csv", "blocked_domains.csv"} <= set(archive.namelist())
    outbox = json.loads(archive.read("outbox.json"))
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 4
    contents = " ".join(item["object"]["content"] for item in outbox["orderedItems"])
    for text in (*texts.values(), "Bob in the group"):
        assert text.split(" @")[0] in contents
    assert "Cleo writes" not in contents  # only the person's own posts
    assert all(item["type"] == "Create" and item["actor"] == bob.uri and item["object"]["attributedTo"] == bob.uri
               for item in outbox["orderedItems"])
    actor = json.loads(archive.read("actor.json"))
    assert actor["id"] == bob.uri and actor["type"] == "Person" and "publicKey" in actor
    following = list(csv.reader(io.StringIO(archive.read("following_accounts.csv").decode())))
    assert following == [["Account address", "Show boosts", "Notify on new posts", "Languages"],
                         [f"cider@{page.domain}", "true", "false", ""]]
    groups = list(csv.reader(io.StringIO(archive.read("groups.csv").decode())))
    assert groups == [["Account address"], [f"garden@{group.domain}"]]
    assert archive.read("muted_accounts.csv").decode() == "Account address,Hide notifications\n"
    assert archive.read("bookmarks.csv").decode() == f"{to_bob['uri']}\n"


async def test_the_export_is_for_the_signed_in_person_only(moot: MootInstance) -> None:
    await person(moot, "ada", admin=True)
    async with moot.session.get(moot.base_url + "/settings/account/export", allow_redirects=False) as response:
        assert response.status == 303 and "/login" in response.headers["Location"]
