"""Deleting an account: Delete{actor} on the wire, no more sign-in, a grace period, then the data goes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from federation.jobs import run_due_jobs
from models.accounts import MediaFile, WebSession
from models.actors import Actor, ApiToken, LocalUser
from models.follows import Follow
from models.moderation import ModLogEntry
from models.posts import Post
from tests.accounts.helpers import person, sign_in, signed_in
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeRemote
from tests.groups.helpers import make_group


async def _world(moot: MootInstance, remote: FakeRemote):  # type: ignore[no-untyped-def]
    await person(moot, "ada", admin=True)
    bob, token = await person(moot, "bob")
    fan = remote.add_actor("fan")
    status, _ = await remote.send(fan, bob.inbox, {"@context": AS, "id": fan.new_id(), "type": "Follow",
                                                   "actor": fan.uri, "object": bob.uri})
    assert status == 202
    group, _, owner_token, _ = await make_group(moot, "garden")
    status, _ = await moot.api("POST", f"/api/v1/accounts/{group.id}/follow", token)
    assert status == 200
    status, post = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", token,
                                  json={"title": "Bob's tomatoes", "body": "Bobs tomato secret"})
    assert status in (200, 201), post
    status, reply = await moot.api("POST", "/api/v1/statuses", owner_token,
                                   json={"status": "Thanks Bob", "in_reply_to_id": str(post["id"])})
    assert status == 200, reply
    await moot.drain()
    moot.use()
    return bob, token, fan, group, int(post["id"]), int(reply["id"])


async def test_deletion_federates_ends_sign_in_and_purges_after_the_grace_period(
        moot: MootInstance, remote: FakeRemote) -> None:
    bob, token, fan, group, post_id, reply_id = await _world(moot, remote)
    assert await Follow.filter(target=bob, follower__uri=fan.uri).exists()
    media_dir = moot.fed.media_dir
    assert media_dir is not None
    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / "bob-garden.png").write_bytes(b"not really a picture")
    await MediaFile.create(owner=bob, file_name="bob-garden.png", media_type="image/png", width=1, height=1, size=20)
    browser = await signed_in(moot, "bob")
    admin = await signed_in(moot, "ada")
    try:
        page = await browser.submit("/settings/account", "/settings/account/delete", {"delete_password": "nope"})
        assert page.status == 422 and "current password is not right" in page.text
        page = await browser.submit("/settings/account", "/settings/account/delete",
                                    {"delete_password": "first password"})
        assert page.status == 200 and "Your account is deleted" in page.text
        assert (await browser.get("/settings")).url.endswith("/login?next=/settings")
        assert (await sign_in(browser, "bob", "first password")).status == 401
        status, _ = await moot.api("GET", "/api/v1/accounts/verify_credentials", token)
        assert status == 401
        assert not await ApiToken.filter(actor=bob).exists()
        assert await WebSession.filter(user=bob, revoked_at=None).count() == 0

        await moot.drain()
        [delete] = [r for r in remote.received if r.body.get("type") == "Delete"]
        assert delete.verified and delete.key_id == bob.public_key_id  # the key is still served to check it
        assert {key: delete.body[key] for key in ("type", "actor", "object", "to")} == {
            "type": "Delete", "actor": bob.uri, "object": bob.uri, "to": [PUBLIC]}
        assert delete.body["id"].startswith(moot.base_url)

        # In the grace period: the posts are gone from the group, the actor answers with its key only.
        post = await Post.get(id=post_id)
        assert post.deleted_at is not None
        status, doc = await moot.get_ap(post.uri)
        assert status == 410 and doc["type"] == "Tombstone"
        page = await browser.get("/groups/garden")
        assert page.status == 200 and "Bobs tomato secret" not in page.text
        status, doc = await moot.get_ap(bob.uri)
        assert status == 200 and doc["suspended"] is True and doc["publicKey"]["id"] == bob.public_key_id
        assert "summary" in doc and "icon" not in doc
        assert (await browser.get("/@bob")).status == 410
        page = await admin.get("/admin/users")
        assert "scheduled for deletion" in page.text and f"/admin/users/{bob.id}/cancel-deletion" in page.text
        replies = await Post.get(id=reply_id)
        assert replies.deleted_at is None  # the others' replies stay, under a "deleted" placeholder
        page = await admin.get(f"/threads/{post_id}")
        assert page.status == 200 and "This post was deleted." in page.text and "Thanks Bob" in page.text
        assert "Bobs tomato secret" not in page.text and "tomatoes" not in page.text
        assert (await admin.get(f"/threads/{reply_id}")).status == 200

        # Purged after 30 days: the data is gone, the actor URI is a Tombstone.
        moot.use()
        assert await run_due_jobs(moot.fed, now=datetime.now(timezone.utc) + timedelta(days=29)) == 0
        assert await run_due_jobs(moot.fed, now=datetime.now(timezone.utc) + timedelta(days=31)) == 1
        assert not await LocalUser.filter(actor=bob).exists()
        assert not await MediaFile.filter(owner=bob).exists() and not (media_dir / "bob-garden.png").exists()
        assert not await Follow.filter(target=bob).exists() and not await Follow.filter(follower=bob).exists()
        post = await Post.get(id=post_id)
        assert post.deleted_at is not None and post.content == "" and post.name is None and post.source is None
        assert (await Post.get(id=reply_id)).deleted_at is None
        status, doc = await moot.get_ap(bob.uri)
        assert status == 410 and doc["type"] == "Tombstone" and doc["formerType"] == "Person"
        gone = await Actor.get(id=bob.id)
        assert gone.display_name is None and gone.private_key_pem is None and gone.local_name == "bob"
        page = await admin.get("/admin/users")
        assert "@bob" not in page.text
        page = await admin.get(f"/threads/{post_id}")
        assert page.status == 200 and "This post was deleted." in page.text and "Thanks Bob" in page.text
    finally:
        await browser.close()
        await admin.close()


async def test_an_admin_cancels_a_deletion_within_the_grace_period(moot: MootInstance, remote: FakeRemote) -> None:
    bob, _, _, _, post_id, _ = await _world(moot, remote)
    browser = await signed_in(moot, "bob")
    admin = await signed_in(moot, "ada")
    try:
        await browser.submit("/settings/account", "/settings/account/delete", {"delete_password": "first password"})
        assert (await Post.get(id=post_id)).deleted_at is not None
        page = await admin.submit("/admin/users", f"/admin/users/{bob.id}/cancel-deletion", {"reason": "changed mind"})
        assert page.status == 200 and "scheduled for deletion" not in page.text
        assert (await ModLogEntry.get(action="user.deletion_cancelled")).reason == "changed mind"
        assert (await Post.get(id=post_id)).deleted_at is None
        assert (await sign_in(browser, "bob", "first password")).status == 200
        assert await run_due_jobs(moot.fed, now=datetime.now(timezone.utc) + timedelta(days=31)) == 0
        assert await LocalUser.filter(actor=bob).exists()
    finally:
        await browser.close()
        await admin.close()


async def test_the_only_admin_cannot_delete_their_account(moot: MootInstance) -> None:
    await person(moot, "ada", admin=True)
    browser = await signed_in(moot, "ada")
    try:
        page = await browser.submit("/settings/account", "/settings/account/delete",
                                    {"delete_password": "first password"})
        assert page.status == 422 and "only admin" in page.text
        assert (await LocalUser.get(actor__local_name="ada")).deletion_requested_at is None
    finally:
        await browser.close()
