"""A Moot instance holding canaries: content that only some people may see, and the people around it.

Canary text and ids must never reach anyone outside their audience. The world has:
- a private group `vault` (owner olga) with a local member's post and reply, a remote member's post addressed to
  Public (a private group's post is private whatever its addressing says), a held post, an image, a removed post
  and a ban, each with canary text or a canary reason;
- a direct message from dora to rita, and a followers-only post by dora (finn follows her), with replies;
- the six viewers who must see none of it: anonymous, nina (a local non-member), pat (pending), bea (banned),
  a signed remote non-member, and the instance actor of a server where no member lives.
"""
from __future__ import annotations

import hashlib
import io
import secrets
from datetime import datetime, timezone
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from PIL import Image

from models.accounts import MediaFile, WebSession
from models.actors import Actor
from models.posts import Post
from models.queues import OutboundActivity
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote
from tests.groups.helpers import join
from tests.privacy.activity_canaries import BUILDERS, ActivityWorld
from web.sessions import SESSION_COOKIE

# Every canary string starts with this: a response containing it leaked.
CANARY = "Kanarie"


@dataclass
class Viewer:
    name: str
    token: str | None = None  # bearer token, for the API
    cookies: dict[str, str] = field(default_factory=dict)  # session, for the pages
    signer: FakeActor | None = None  # signs every request, as a remote server would
    remote: FakeRemote | None = None


@dataclass
class World:
    moot: MootInstance
    group: Actor
    canary_posts: list[Post]  # posts no outsider may see
    canary_strings: list[str]  # text, URIs and media names that must never appear
    outsiders: list[Viewer]  # the six viewers who see none of it
    insiders: dict[str, Viewer]  # positive controls: who does see what
    params: dict[str, list[str]]  # values to fill each path parameter with
    media_name: str = ""
    activity_ids: list[str] = field(default_factory=list)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


async def session_cookies(actor: Actor) -> dict[str, str]:
    """A signed-in browser's cookie for `actor` (the login form itself is tested in tests/web)."""
    token = secrets.token_urlsafe(32)
    await WebSession.create(token_hash=hashlib.sha256(token.encode()).hexdigest(), user=actor,
                            last_seen_at=datetime.now(timezone.utc))
    return {SESSION_COOKIE: token}


async def _person(moot: MootInstance, name: str, **options: Any) -> tuple[Actor, Viewer]:
    actor, token = await moot.user(name, **options)
    return actor, Viewer(name, token=token, cookies=await session_cookies(actor))


async def _api(moot: MootInstance, method: str, path: str, token: str, **body: Any) -> Any:
    status, answer = await moot.api(method, path, token, json=body or None)
    assert status in (200, 201, 202), (path, status, answer)
    return answer


async def build_world(moot: MootInstance, remote: FakeRemote, outsider: FakeRemote) -> World:
    await moot.user("siteadmin", is_admin=True)  # a server with an admin serves its pages
    olga, olga_v = await _person(moot, "olga")
    group_json = await _api(moot, "POST", "/api/moot/v1/groups", olga_v.token or "", name="vault", private=True,
                            display_name="Vault", description="A private group")
    group = await Actor.get(id=int(group_json["id"]))
    gid = group.id
    mia, mia_v = await _person(moot, "mia")
    _, pat_v = await _person(moot, "pat")
    bea, bea_v = await _person(moot, "bea")
    _, nina_v = await _person(moot, "nina")
    dora, dora_v = await _person(moot, "dora")
    finn, finn_v = await _person(moot, "finn")
    rita, rita_v = await _person(moot, "rita")
    for joiner in (mia_v, pat_v, bea_v):
        await _api(moot, "POST", f"/api/moot/v1/groups/{gid}/join", joiner.token or "")
    for person in (mia, bea):  # pat stays pending; bea is banned below
        await _api(moot, "POST", f"/api/moot/v1/groups/{gid}/requests/{person.id}/approve", olga_v.token or "")

    # A remote member (on `remote`) whose post into the private group is addressed to Public.
    rob = remote.add_actor("rob")
    await join(remote, rob, group)
    await moot.drain()
    await _api(moot, "POST", f"/api/moot/v1/groups/{gid}/requests/{(await Actor.get(uri=rob.uri)).id}/approve",
               olga_v.token or "")
    note_id = rob.new_id("notes")
    create = {
        "@context": AS, "id": rob.new_id(), "type": "Create", "actor": rob.uri, "to": [PUBLIC], "cc": [group.uri],
        "object": {"id": note_id, "type": "Note", "attributedTo": rob.uri, "to": [PUBLIC], "cc": [group.uri],
                   "content": f"<p>{CANARY}-remote-public #kanarietag</p>",
                   "tag": [{"type": "Hashtag", "name": "#kanarietag", "href": f"{remote.base_url}/tags/kanarietag"},
                           {"type": "Mention", "name": "@vault", "href": group.uri}],
                   "published": "2026-11-30T10:00:00Z"},
    }
    status, body = await remote.send(rob, group.inbox, create)
    assert status == 202, body
    await moot.drain()

    # Local member content: a post with an image and a tag, a reply, and a post the moderators remove.
    media = await _upload(moot, mia_v.token or "")
    post = await _api(moot, "POST", "/api/v1/statuses", mia_v.token or "",
                      status=f"@vault@{moot.host} {CANARY}-group-post #kanarietag", media_ids=[media["id"]])
    reply = await _api(moot, "POST", "/api/v1/statuses", mia_v.token or "",
                       status=f"{CANARY}-group-reply", in_reply_to_id=post["id"])
    removed = await _api(moot, "POST", f"/api/moot/v1/groups/{gid}/posts", mia_v.token or "",
                         title=f"{CANARY}-removed-title", body=f"{CANARY}-removed-body")
    await _api(moot, "POST", f"/api/moot/v1/posts/{removed['id']}/remove", olga_v.token or "",
               reason=f"{CANARY}-removal-reason")
    await _api(moot, "POST", f"/api/moot/v1/groups/{gid}/bans", olga_v.token or "", account_id=str(bea.id),
               reason=f"{CANARY}-ban-reason")
    # A held post: the group holds non-members' posts for review when it is set to.
    await _api(moot, "PATCH", f"/api/moot/v1/groups/{gid}", olga_v.token or "", non_member_posts="hold")
    _, hal_token = await moot.user("hal")  # a non-member whose post waits for the moderators
    held = await _api(moot, "POST", f"/api/moot/v1/groups/{gid}/posts", hal_token,
                      title=f"{CANARY}-held-title", body=f"{CANARY}-held-body")

    # Outside groups: dora's followers-only post (finn follows her) and her direct message to rita.
    await _api(moot, "POST", f"/api/v1/accounts/{dora.id}/follow", finn_v.token or "")
    followers_only = await _api(moot, "POST", "/api/v1/statuses", dora_v.token or "",
                                status=f"{CANARY}-followers-only #kanarietag", visibility="private")
    direct = await _api(moot, "POST", "/api/v1/statuses", dora_v.token or "",
                        status=f"@rita {CANARY}-direct-message #kanarietag", visibility="direct")
    direct_reply = await _api(moot, "POST", "/api/v1/statuses", rita_v.token or "",
                              status=f"@dora {CANARY}-direct-reply", visibility="direct", in_reply_to_id=direct["id"])
    # A public post by dora with a followers-only reply by finn under it (readable by dora and finn's followers).
    public_root = await _api(moot, "POST", "/api/v1/statuses", dora_v.token or "", status="A public hello")
    followers_reply = await _api(moot, "POST", "/api/v1/statuses", finn_v.token or "",
                                 status=f"{CANARY}-followers-reply", visibility="private",
                                 in_reply_to_id=public_root["id"])
    activity_world = ActivityWorld(moot=moot, group=group, remote=remote, tokens={
        "olga": olga_v.token or "", "mia": mia_v.token or "", "dora": dora_v.token or "", "finn": finn_v.token or "",
        "rita": rita_v.token or ""})
    activities = [await build(activity_world) for build in BUILDERS]
    await moot.drain()
    moot.use()

    ids = [post["id"], reply["id"], removed["id"], held["id"], followers_only["id"], direct["id"],
           direct_reply["id"], followers_reply["id"]] + [i for extra in activities for i in extra.post_ids]
    canary_posts = list(await Post.filter(id__in=[int(i) for i in ids]))
    remote_post = await Post.get(uri=note_id)
    canary_posts.append(remote_post)
    media_row = await MediaFile.get(id=int(media["id"]))
    activity_ids = [
        row.uri.rsplit("/", 1)[1] for row in await OutboundActivity.filter(
            actor_id__in=[mia.id, dora.id, rita.id, finn.id, group.id, olga.id])
    ]
    strings = [CANARY, media_row.file_name] + [p.uri for p in canary_posts] + [text for extra in activities for text in extra.strings]

    nosy = outsider.add_actor("nosy")
    server = outsider.add_actor("instance", "Application")
    outsiders = [
        Viewer("anonymous"), nina_v, pat_v, bea_v,
        Viewer("remote non-member", signer=nosy, remote=outsider),
        Viewer("instance actor of a non-member server", signer=server, remote=outsider),
    ]
    post_ids = [str(p.id) for p in canary_posts] + [str(public_root["id"])]
    params = {
        "kind": ["groups", "users"], "name": ["vault", "dora", "mia", "finn"],
        "collection": ["outbox", "followers", "following", "featured", "moderators"],
        "post_id": post_ids, "post_uri_id": [p.uri.rsplit("/", 1)[1] for p in canary_posts if p.is_local],
        "status_id": post_ids, "activity_id": activity_ids,
        "group_id": [str(gid), "vault"], "account_id": [str(dora.id), str(mia.id), str(remote_post.author_id)],
        "tag": ["kanarietag"], "hashtag": ["kanarietag"], "file_name": [media_row.file_name],
        "version": ["2.0", "2.1"],
    }
    for extra in activities:
        for name, values in extra.params.items():
            params.setdefault(name, []).extend(values)
    return World(
        moot=moot, group=group, canary_posts=canary_posts, canary_strings=strings, outsiders=outsiders,
        insiders={"mia": mia_v, "rita": rita_v, "finn": finn_v, "olga": olga_v, "dora": dora_v},
        params=params, media_name=media_row.file_name, activity_ids=activity_ids,
    )


async def _upload(moot: MootInstance, token: str) -> dict[str, Any]:
    form = aiohttp.FormData()
    form.add_field("file", png(), filename="canary.png", content_type="image/png")
    form.add_field("description", "A red square")
    async with moot.session.post(moot.base_url + "/api/v1/media", data=form,
                                 headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 200, await response.text()
        return await response.json()


