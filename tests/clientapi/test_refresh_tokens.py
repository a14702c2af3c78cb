"""grant_type=refresh_token at POST /oauth/token: a person's grant comes with a refresh token, redeeming it
rotates both tokens (the old ones stop working), scopes can only narrow, and revoking either revokes both.
The client side is oauthlib's (the request body it prepares, the response it parses), as a generic OAuth
client would do it."""
from __future__ import annotations

import json
from typing import Any

from oauthlib.oauth2 import WebApplicationClient

from tests.conftest import MootInstance
from tests.oauth.helpers import browser, code_for, exchange, person, pkce_pair, register_app, sign_in


async def _post_token(moot: MootInstance, body: str) -> tuple[int, Any]:
    async with moot.session.post(moot.base_url + "/oauth/token", data=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}) as response:
        return response.status, await response.json()


def _refresh(app: dict[str, Any], **fields: str) -> str:
    """The form body oauthlib prepares for a refresh (client_id in the body, as a public client sends it)."""
    return WebApplicationClient(app["client_id"]).prepare_refresh_body(client_id=app["client_id"], **fields)


async def _me(moot: MootInstance, token: str) -> int:
    status, _ = await moot.api("GET", "/api/v1/accounts/verify_credentials", token)
    return status


async def test_refresh_rotates_narrows_and_revokes(moot: MootInstance) -> None:
    await person(moot, "ada")
    app = await register_app(moot, scopes="read write")
    async with browser() as session:
        verifier, challenge = pkce_pair()
        await sign_in(session, moot, "ada")
        code = await code_for(session, moot, app, challenge=challenge)
    status, first = await exchange(moot, app, code, code_verifier=verifier, client_secret=None)
    assert status == 200 and first["refresh_token"] and first["refresh_token"] != first["access_token"]
    assert await _me(moot, first["access_token"]) == 200

    # Redeemed as a public client (no secret): the refresh token itself proves the grant.
    status, second = await _post_token(moot, _refresh(app, refresh_token=first["refresh_token"]))
    assert status == 200, second
    parsed = WebApplicationClient(app["client_id"]).parse_request_body_response(json.dumps(second))
    assert parsed["token_type"] == "Bearer" and parsed["scope"] == ["read", "write"]
    assert second["access_token"] != first["access_token"] and second["refresh_token"] != first["refresh_token"]
    assert await _me(moot, second["access_token"]) == 200
    # Rotation: the old access token and the old refresh token no longer work.
    assert await _me(moot, first["access_token"]) == 401
    status, body = await _post_token(moot, _refresh(app, refresh_token=first["refresh_token"]))
    assert status == 400 and body["error"] == "invalid_grant"

    # Scopes can narrow, never widen.
    status, body = await _post_token(moot, _refresh(app, 
        refresh_token=second["refresh_token"], scope="read write follow"))
    assert status == 400 and body["error"] == "invalid_scope"
    status, third = await _post_token(moot, _refresh(app, 
        refresh_token=second["refresh_token"], scope="read", client_secret=app["client_secret"]))
    assert status == 200 and third["scope"] == "read", third
    code_, _ = await moot.api("POST", "/api/v1/statuses", third["access_token"], json={"status": "hello"})
    assert code_ == 403  # a read token cannot post
    assert await _me(moot, third["access_token"]) == 200

    # Another app cannot redeem it; a wrong secret fails client authentication.
    other = await register_app(moot, client_name="Other")
    status, body = await _post_token(moot, _refresh(other, 
        refresh_token=third["refresh_token"]))
    assert status == 400 and body["error"] == "invalid_grant"
    status, body = await _post_token(moot, _refresh(app, 
        refresh_token=third["refresh_token"], client_secret="wrong"))
    assert status == 401 and body["error"] == "invalid_client"
    status, body = await _post_token(moot, _refresh(app, refresh_token="x" * 300))
    assert status == 400 and body["error"] == "invalid_grant"

    # Revoking the refresh token revokes the access token with it.
    async with moot.session.post(moot.base_url + "/oauth/revoke", data={
            "client_id": app["client_id"], "client_secret": app["client_secret"],
            "token": third["refresh_token"]}) as response:
        assert response.status == 200
    assert await _me(moot, third["access_token"]) == 401


async def test_revoking_the_access_token_ends_the_refresh_token(moot: MootInstance) -> None:
    await person(moot, "bo")
    app = await register_app(moot)
    async with browser() as session:
        await sign_in(session, moot, "bo")
        code = await code_for(session, moot, app)
    status, issued = await exchange(moot, app, code)
    assert status == 200
    async with moot.session.post(moot.base_url + "/oauth/revoke", data={
            "client_id": app["client_id"], "client_secret": app["client_secret"],
            "token": issued["access_token"]}) as response:
        assert response.status == 200
    status, body = await _post_token(moot, _refresh(app, refresh_token=issued["refresh_token"]))
    assert status == 400 and body["error"] == "invalid_grant"
    # An app's own token (client_credentials) has no refresh token, as in Mastodon.
    status, own = await _post_token(moot, f"grant_type=client_credentials&client_id={app['client_id']}"
                                          f"&client_secret={app['client_secret']}&scope=read")
    assert status == 200 and "refresh_token" not in own
