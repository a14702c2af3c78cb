"""The done test: Mastodon.py, a real Mastodon client library, through the whole life of an app.

Mastodon.py is synchronous: its calls run in a thread against the running instance on loopback. It has no
PKCE of its own, so the PKCE code is exchanged as Elk and Phanpy do it (a POST with the verifier) and the token
handed to Mastodon.py; a second sign-in uses Mastodon.py's own log_in with a code.
"""
from __future__ import annotations

import asyncio
import io
from urllib.parse import urlsplit

import pytest
from mastodon import Mastodon, MastodonAPIError, StreamListener
from PIL import Image

from models.actors import ApiToken
from models.follows import ACCEPTED, Follow
from tests.groups.helpers import make_group
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeRemote
from tests.oauth.helpers import browser, decide, person, pkce_pair, redirect_query, sign_in

CALLBACK = "https://app.example/callback"
SCOPES = ["read", "write", "follow"]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 60, 30)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_mastodon_py_registers_authorises_posts_reads_and_revokes(moot: MootInstance, remote: FakeRemote) -> None:
    await person(moot, "ada")
    baker = await person(moot, "baker")
    await moot.page("bakery", owner=baker, display_name="The Bakery")
    garden, _, _, _ = await make_group(moot, "garden")
    base = moot.base_url
    client_id, client_secret = await asyncio.to_thread(
        Mastodon.create_app, "Mastodon.py test", scopes=SCOPES, redirect_uris=[CALLBACK, "urn:ietf:wg:oauth:2.0:oob"],
        website="https://app.example", api_base_url=base)
    client = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base, version_check_mode="none")
    info = await asyncio.to_thread(client.oauth_authorization_server_info)
    assert info["token_endpoint"] == base + "/oauth/token"

    # Authorise with PKCE through the real sign-in and consent pages.
    verifier, challenge = pkce_pair()
    url = await asyncio.to_thread(client.auth_request_url, redirect_uris=CALLBACK, scopes=SCOPES, state="st8",
                                  allow_http=True)
    url += f"&code_challenge={challenge}&code_challenge_method=S256"
    path = url.removeprefix(base)
    assert urlsplit(url).path == "/oauth/authorize"
    async with browser() as session:
        await sign_in(session, moot, "ada", next_path=path)
        query = redirect_query(await decide(session, moot, path))
        assert query["state"] == "st8"
        async with moot.session.post(base + "/oauth/token", data={
                "grant_type": "authorization_code", "code": query["code"], "redirect_uri": CALLBACK,
                "client_id": client_id, "code_verifier": verifier}) as response:
            assert response.status == 200
            token = (await response.json())["access_token"]
        # A second sign-in, Mastodon.py's own way (code and client secret, no PKCE).
        code = redirect_query(await decide(session, moot, url.split("&code_challenge=")[0].removeprefix(base)))["code"]
    second = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base, version_check_mode="none")
    await asyncio.to_thread(second.log_in, code=code, redirect_uri=CALLBACK, scopes=SCOPES, allow_http=True)

    api = Mastodon(client_id=client_id, client_secret=client_secret, access_token=token, api_base_url=base,
                   version_check_mode="none")
    me = await asyncio.to_thread(api.account_verify_credentials)
    assert me["username"] == "ada"
    assert (await asyncio.to_thread(second.account_verify_credentials))["id"] == me["id"]
    app = await asyncio.to_thread(api.app_verify_credentials)
    assert app["name"] == "Mastodon.py test"
    instance = await asyncio.to_thread(api.instance_v2)
    assert instance["domain"] == moot.host

    media = await asyncio.to_thread(api.media_post, png(), mime_type="image/png", description="A red square")
    status = await asyncio.to_thread(api.status_post, "Hello from Mastodon.py", media_ids=[media["id"]])
    assert status["media_attachments"][0]["description"] == "A red square"
    home = await asyncio.to_thread(api.timeline_home)
    assert status["id"] in [item["id"] for item in home]

    # Follow a page and join a group (a group is an account with group: true; following it joins).
    bakery = await asyncio.to_thread(api.account_lookup, "bakery")
    relationship = await asyncio.to_thread(api.account_follow, bakery["id"])
    assert relationship["following"]
    found = await asyncio.to_thread(api.account, garden.id)
    assert found["group"] is True
    await asyncio.to_thread(api.account_follow, garden.id)
    await moot.drain()
    assert await Follow.filter(follower__local_name="ada", target=garden, state=ACCEPTED).exists()
    assert isinstance(await asyncio.to_thread(api.notifications), list)

    # Streaming, Mastodon.py's own way: a remote person mentions ada, and the notification arrives live.
    heard: list = []

    class Listener(StreamListener):
        def on_notification(self, notification) -> None:  # noqa: ANN001 (Mastodon.py's signature)
            heard.append(notification)

    stream = await asyncio.to_thread(api.stream_user_notifications, Listener(), run_async=True)
    try:
        await asyncio.sleep(0.5)  # connected
        alice = remote.add_actor("alice")
        note_id = alice.new_id("statuses")
        ada_uri = f"{base}/users/ada"
        mention = {"@context": AS, "id": f"{note_id}/activity", "type": "Create", "actor": alice.uri,
                   "to": [PUBLIC], "cc": [ada_uri],
                   "object": {"id": note_id, "type": "Note", "attributedTo": alice.uri, "to": [PUBLIC],
                              "cc": [ada_uri], "content": "<p>@ada the bread was lovely</p>",
                              "tag": [{"type": "Mention", "href": ada_uri, "name": "@ada"}]}}
        assert (await remote.send(alice, f"{base}/inbox", mention))[0] == 202
        await moot.drain()
        for _ in range(100):
            if heard:
                break
            await asyncio.sleep(0.05)
        assert heard and heard[0]["type"] == "mention" and heard[0]["status"]["uri"] == note_id
    finally:
        # In a thread: close() waits for the stream's blocked read, which needs this loop to keep serving.
        await asyncio.to_thread(stream.close)

    await asyncio.to_thread(api.revoke_access_token, allow_http=True)
    with pytest.raises(MastodonAPIError):
        await asyncio.to_thread(Mastodon(access_token=token, api_base_url=base,
                                         version_check_mode="none").account_verify_credentials)
    # Only that token went: the second sign-in still works.
    assert (await asyncio.to_thread(second.account_verify_credentials))["username"] == "ada"
    assert await ApiToken.filter(application__client_id=client_id).count() == 1
