"""The Mastodon client API's daily endpoints on a real server: timelines with Mastodon's pagination and Link
headers, a status's context, bookmarks and favourites, accounts' statuses, followers and following,
relationships, lookup, update_credentials, markers and the honest empty lists. Private content stays private."""
from __future__ import annotations

import re
from typing import Any

from models.actors import Actor
from models.queues import OutboundActivity
from tests.community.test_search import post_in, status
from tests.conftest import MootInstance
from tests.groups.helpers import make_group


async def get(moot: MootInstance, path: str, token: str | None = None) -> tuple[int, Any, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with moot.session.get(moot.base_url + path, headers=headers) as response:
        return response.status, await response.json(content_type=None), response.headers.get("Link", "")


def ids(body: list[dict[str, Any]]) -> list[int]:
    return [int(item["id"]) for item in body]


def link(header: str, rel: str) -> str:
    found = re.search(rf'<([^>]+)>; rel="{rel}"', header)
    assert found, header
    return found[1]


async def test_home_and_public_timelines_page_like_mastodon(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    posted = [await status(moot, bob_token, f"Note number {n} #seeds") for n in range(5)]
    await status(moot, ann_token, "Ann's own words")
    # ann follows bob: his posts come into her home timeline, newest first.
    code, _ = await moot.api("POST", f"/api/v1/accounts/{bob.id}/follow", ann_token)
    assert code == 200
    code, home, header = await get(moot, "/api/v1/timelines/home?limit=2", ann_token)
    assert code == 200 and len(home) == 2
    newest_first = sorted(posted + [int(home[0]["id"])], reverse=True)
    assert ids(home) == newest_first[:2]
    # Following rel="next" walks back; rel="prev" (min_id) gives what is newer than the first.
    code, older, _ = await get(moot, link(header, "next").removeprefix(moot.base_url), ann_token)
    assert ids(older) == newest_first[2:4]
    code, _, _ = await get(moot, "/api/v1/timelines/home")
    assert code == 401
    code, newer, _ = await get(moot, f"/api/v1/timelines/home?min_id={posted[1]}&limit=2", ann_token)
    assert ids(newer) == [posted[3], posted[2]]  # the two right after min_id, shown newest first
    code, since, _ = await get(moot, f"/api/v1/timelines/home?since_id={posted[1]}&limit=2", ann_token)
    assert ids(since) == newest_first[:2]  # since_id: the newest ones above it

    code, public, _ = await get(moot, "/api/v1/timelines/public?local=true")
    assert code == 200 and set(posted) <= set(ids(public))
    code, remote_only, _ = await get(moot, "/api/v1/timelines/public?remote=true")
    assert remote_only == []
    code, tagged, _ = await get(moot, "/api/v1/timelines/tag/Seeds?limit=3")
    assert ids(tagged) == sorted(posted, reverse=True)[:3]
    assert home[0]["favourited"] is False and home[0]["bookmarked"] is False


async def test_private_group_posts_stay_out_of_every_list(moot: MootInstance) -> None:
    vault, owner, vault_token, _ = await make_group(moot, "vault", private=True)
    outsider, outsider_token = await moot.user("otto")
    secret = await post_in(moot, vault, vault_token, "Kanarie plans", "Only for members.")
    code, reply = await moot.api("POST", "/api/v1/statuses", vault_token,
                                 json={"status": "Kanarie reply", "in_reply_to_id": str(secret)})
    assert code == 200, reply
    for path in ("/api/v1/timelines/public", "/api/v1/timelines/public?local=true", f"/api/v1/accounts/{owner.id}/statuses",
                 "/api/v1/timelines/home"):
        code, body, _ = await get(moot, path, outsider_token)
        assert code == 200 and "Kanarie" not in str(body), path
    code, _, _ = await get(moot, f"/api/v1/statuses/{secret}/context", outsider_token)
    assert code == 404
    code, body, _ = await get(moot, f"/api/v1/statuses/{reply['id']}/context", outsider_token)
    assert code == 404
    # The owner sees the reply under the post, and the post above the reply.
    code, context, _ = await get(moot, f"/api/v1/statuses/{reply['id']}/context", vault_token)
    assert code == 200 and ids(context["ancestors"]) == [secret] and context["descendants"] == []
    code, context, _ = await get(moot, f"/api/v1/statuses/{secret}/context", vault_token)
    assert ids(context["descendants"]) == [int(reply["id"])]
    # Bookmarking what one may not see is a 404, like a missing status.
    code, _ = await moot.api("POST", f"/api/v1/statuses/{secret}/bookmark", outsider_token)
    assert code == 404
    # A private group's members are for its members; its owner's following list leaves it out for others.
    code, members, _ = await get(moot, f"/api/v1/accounts/{vault.id}/followers", outsider_token)
    assert members == []
    code, following, _ = await get(moot, f"/api/v1/accounts/{owner.id}/following", outsider_token)
    assert vault.id not in ids(following)


async def test_bookmarks_favourites_and_account_reads(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    first = await status(moot, bob_token, "First")
    second = await status(moot, bob_token, "Second")
    reply = await status(moot, bob_token, "A reply", in_reply_to_id=str(first))
    for post_id in (first, second):
        code, body = await moot.api("POST", f"/api/v1/statuses/{post_id}/bookmark", ann_token)
        assert code == 200 and body["bookmarked"] is True
    code, body = await moot.api("POST", f"/api/v1/statuses/{second}/favourite", ann_token)
    assert body["favourited"] is True
    code, marks, _ = await get(moot, "/api/v1/bookmarks", ann_token)
    assert ids(marks) == [second, first]  # newest bookmark first
    code, body = await moot.api("POST", f"/api/v1/statuses/{first}/unbookmark", ann_token)
    assert body["bookmarked"] is False
    code, marks, _ = await get(moot, "/api/v1/bookmarks", ann_token)
    assert ids(marks) == [second]
    code, likes, _ = await get(moot, "/api/v1/favourites", ann_token)
    assert ids(likes) == [second]
    code, likers, _ = await get(moot, f"/api/v1/statuses/{second}/favourited_by")
    assert ids(likers) == [ann.id]

    code, all_posts, _ = await get(moot, f"/api/v1/accounts/{bob.id}/statuses")
    assert ids(all_posts) == [reply, second, first]
    code, top_level, _ = await get(moot, f"/api/v1/accounts/{bob.id}/statuses?exclude_replies=true")
    assert ids(top_level) == [second, first]

    await moot.api("POST", f"/api/v1/accounts/{bob.id}/follow", ann_token)
    code, rels, _ = await get(moot, f"/api/v1/accounts/relationships?id[]={bob.id}&id[]=999999", ann_token)
    assert rels == [{"id": str(bob.id), "following": True, "requested": False, "followed_by": False,
                     "blocking": False, "blocked_by": False, "muting": False, "muting_notifications": False}]
    code, followers, _ = await get(moot, f"/api/v1/accounts/{bob.id}/followers")
    assert ids(followers) == [ann.id]
    code, following, _ = await get(moot, f"/api/v1/accounts/{ann.id}/following")
    assert ids(following) == [bob.id]
    code, found, _ = await get(moot, "/api/v1/accounts/lookup?acct=bob")
    assert code == 200 and found["id"] == str(bob.id)
    code, found, _ = await get(moot, f"/api/v1/accounts/lookup?acct=bob@{moot.host}")
    assert found["id"] == str(bob.id)
    code, missing, _ = await get(moot, "/api/v1/accounts/lookup?acct=nobody@elsewhere.example")
    assert code == 404 and "error" in missing


async def test_update_credentials_markers_and_empty_lists(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    code, body = await moot.api("PATCH", "/api/v1/accounts/update_credentials", ann_token,
                                data={"display_name": "Ann of the Allotment", "note": "Grows <b>beans</b>"})
    assert code == 200 and body["display_name"] == "Ann of the Allotment"
    assert "<b>" not in body["note"] and "beans" in body["note"]
    moot.use()
    assert (await Actor.get(id=ann.id)).display_name == "Ann of the Allotment"
    update = await OutboundActivity.filter(actor_id=ann.id, type="Update").first()
    assert update is not None and update.payload["object"]["name"] == "Ann of the Allotment"

    code, body = await moot.api("POST", "/api/v1/markers", ann_token, data={"home[last_read_id]": "103"})
    assert code == 200 and body["home"]["last_read_id"] == "103" and body["home"]["version"] == 1
    code, body = await moot.api("POST", "/api/v1/markers", ann_token, json={"home": {"last_read_id": "104"}})
    assert body["home"]["version"] == 2
    code, body, _ = await get(moot, "/api/v1/markers?timeline[]=home", ann_token)
    assert body["home"]["last_read_id"] == "104"
    code, body = await moot.api("POST", "/api/v1/markers", ann_token, json={"home": {"last_read_id": "x'"}})
    assert code == 422

    for path in ("/api/v1/lists", "/api/v2/filters", "/api/v1/announcements", "/api/v1/blocks", "/api/v1/mutes",
                 "/api/v1/custom_emojis", "/api/v1/followed_tags", "/api/v1/trends/statuses"):
        code, body, _ = await get(moot, path, ann_token)
        assert (code, body) == (200, []), path
    code, body, _ = await get(moot, "/api/v1/preferences", ann_token)
    assert body["posting:default:visibility"] == "public"
    # An endpoint Moot does not have answers in Mastodon's error shape.
    code, body, _ = await get(moot, "/api/v1/scheduled_statuses/1/nothing", ann_token)
    assert code == 404 and isinstance(body, dict) and "error" in body


async def test_odd_ids_are_404_not_500(moot: MootInstance) -> None:
    for raw in ("%C2%B2", "99999999999999999999999", "1e3", "-1"):
        for path in (f"/api/v1/statuses/{raw}", f"/api/v1/accounts/{raw}", f"/api/v1/statuses/{raw}/context"):
            code, body, _ = await get(moot, path)
            assert code == 404 and "error" in body, (path, code)
