"""OAuth 2 as Mastodon apps use it: registration, consent, codes with PKCE, tokens, scopes and revoking."""
from __future__ import annotations

import base64
from datetime import timedelta

from models.actors import ApiToken
from models.oauth import OAuthAuthorizationCode
from tests.conftest import MootInstance
from tests.oauth.helpers import (
    authorize_path, browser, code_for, consent_page, decide, exchange, person, pkce_pair, read_form, redirect_query,
    register_app, sign_in,
)
from web.oauth.grants import now


async def test_code_flow_with_pkce_single_use_and_checked(moot: MootInstance) -> None:
    await person(moot, "ada")
    app = await register_app(moot, redirect_uris="https://app.example/callback\nurn:ietf:wg:oauth:2.0:oob",
                             website="https://app.example")
    assert app["redirect_uris"] == ["https://app.example/callback", "urn:ietf:wg:oauth:2.0:oob"]
    assert app["scopes"] == ["read", "write"] and app["vapid_key"] is None and app["client_secret"]
    async with browser() as session:
        # Not signed in: the authorize URL leads to the sign-in, which comes back to the consent page.
        verifier, challenge = pkce_pair()
        path = authorize_path(app, challenge=challenge)
        status, _ = await consent_page(session, moot, path)
        assert status == 303
        final = await sign_in(session, moot, "ada", next_path=path)
        assert "/oauth/authorize?" in final
        status, html = await consent_page(session, moot, path)
        assert "Test app" in html and "app.example" in html
        assert "Read everything in your account" in html and "Post, edit and delete posts" in html
        code = await code_for(session, moot, app, challenge=challenge)

        # A wrong verifier is refused, and so is none at all; the code stays good for the right one.
        status, body = await exchange(moot, app, code, code_verifier="x" * 50)
        assert status == 400 and body["error"] == "invalid_grant"
        status, body = await exchange(moot, app, code)
        assert status == 400 and body["error"] == "invalid_grant"
        # Another redirect URI than the one authorised is refused.
        status, body = await exchange(moot, app, code, code_verifier=verifier, redirect_uri="urn:ietf:wg:oauth:2.0:oob")
        assert status == 400 and body["error"] == "invalid_grant"
        # A wrong secret fails client authentication.
        status, body = await exchange(moot, app, code, code_verifier=verifier, client_secret="nope")
        assert status == 401 and body["error"] == "invalid_client"
        # PKCE stands in for the secret (a public client), as in Elk and Phanpy.
        status, token = await exchange(moot, app, code, code_verifier=verifier, client_secret=None)
        assert status == 200, token
        assert token["token_type"] == "Bearer" and token["scope"] == "read write"
        assert isinstance(token["created_at"], int)
        # Single use.
        status, body = await exchange(moot, app, code, code_verifier=verifier)
        assert status == 400 and body["error"] == "invalid_grant"

    status, me = await moot.api("GET", "/api/v1/accounts/verify_credentials", token["access_token"])
    assert status == 200 and me["username"] == "ada"
    status, verified = await moot.api("GET", "/api/v1/apps/verify_credentials", token["access_token"])
    assert status == 200 and verified["name"] == "Test app" and "client_secret" not in verified
    row = await ApiToken.get(application__client_id=app["client_id"])
    assert row.scopes == "read write" and row.last_used_at is not None


async def test_codes_expire_and_deny_says_access_denied(moot: MootInstance) -> None:
    await person(moot, "ada")
    app = await register_app(moot)
    async with browser() as session:
        await sign_in(session, moot, "ada")
        code = await code_for(session, moot, app)
        await OAuthAuthorizationCode.all().update(expires_at=now() - timedelta(seconds=1))
        status, body = await exchange(moot, app, code)
        assert status == 400 and body["error"] == "invalid_grant"
        # Without a secret and without PKCE, no token.
        code = await code_for(session, moot, app)
        status, body = await exchange(moot, app, code, client_secret=None)
        assert status == 401 and body["error"] == "invalid_client"

        response = await decide(session, moot, authorize_path(app, state="s1"), "deny")
        assert redirect_query(response) == {
            "error": "access_denied", "state": "s1",
            "error_description": "The resource owner or authorization server denied the request."}
        assert await ApiToken.filter(application__client_id=app["client_id"]).count() == 0


async def test_bad_requests_never_redirect_to_strangers(moot: MootInstance) -> None:
    await person(moot, "ada")
    app = await register_app(moot)
    async with browser() as session:
        await sign_in(session, moot, "ada")
        # An unregistered redirect URI: an error page, nothing sent to that address.
        status, html = await consent_page(session, moot, authorize_path(app, redirect_uri="https://evil.example/"))
        assert status == 400 and "did not register" in html
        status, html = await consent_page(session, moot, "/oauth/authorize?client_id=nope&response_type=code")
        assert status == 400
        # A scope the app did not register goes back to the app as invalid_scope.
        async with session.get(moot.base_url + authorize_path(app, scope="read admin:write"),
                               allow_redirects=False) as response:
            assert redirect_query(response)["error"] == "invalid_scope"
        # "plain" PKCE is refused.
        async with session.get(moot.base_url + authorize_path(app) + "&code_challenge=" + "a" * 43
                               + "&code_challenge_method=plain", allow_redirects=False) as response:
            assert redirect_query(response)["error"] == "invalid_request"
        # force_login asks for the sign-in again (another account), then comes back without it.
        async with session.get(moot.base_url + authorize_path(app) + "&force_login=true",
                               allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"].startswith("/login?next=")
            assert "force_login" not in response.headers["Location"]
        # The consent form itself needs the CSRF token.
        status, html = await consent_page(session, moot, authorize_path(app))
        fields = read_form(html, "/oauth/authorize").fields
        fields.pop("csrf_token")
        async with session.post(moot.base_url + "/oauth/authorize", data={**fields, "decision": "authorise"},
                                allow_redirects=False) as response:
            assert response.status == 403
    # Registration checks its input.
    status, body = await moot.api("POST", "/api/v1/apps",
                                  json={"client_name": "x", "redirect_uris": "javascript:alert(1)"})
    assert status == 422 and "redirect" in body["error"]
    status, body = await moot.api("POST", "/api/v1/apps",
                                  json={"client_name": "", "redirect_uris": "https://a.example/"})
    assert status == 422
    status, body = await moot.api("POST", "/api/v1/apps", json={
        "client_name": "x", "redirect_uris": ["https://a.example/"], "scopes": "read sudo"})
    assert status == 422 and "sudo" in body["error"]
    # Registrations are rate-limited per address (ten at once, then one every 30 seconds).
    oob = {"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    statuses = [(await moot.api("POST", "/api/v1/apps", data=oob))[0] for _ in range(8)]
    assert statuses[-1] == 429 and 200 in statuses


async def test_oob_shows_the_code_to_copy(moot: MootInstance) -> None:
    await person(moot, "ada")
    app = await register_app(moot, redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes="read")
    async with browser() as session:
        await sign_in(session, moot, "ada")
        response = await decide(session, moot, authorize_path(app, scope="read"))
        assert response.status == 200
        html = await response.text()
    form_code = html.split('id="oauth-code"')[1].split('value="')[1].split('"')[0]
    status, token = await exchange(moot, app, form_code)
    assert status == 200 and token["scope"] == "read"


async def test_client_credentials_reach_the_app_only(moot: MootInstance) -> None:
    app = await register_app(moot)
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    async with moot.session.post(moot.base_url + "/oauth/token", data={"grant_type": "client_credentials"},
                                 headers={"Authorization": "Basic " + basic}) as response:
        assert response.status == 200
        token = await response.json()
    assert token["scope"] == "read"
    status, verified = await moot.api("GET", "/api/v1/apps/verify_credentials", token["access_token"])
    assert status == 200 and verified["name"] == "Test app"
    status, body = await moot.api("GET", "/api/v1/accounts/verify_credentials", token["access_token"])
    assert status == 422 and body == {"error": "This method requires an authenticated user"}
    # An app token has only read: posting is out of scope before anything else.
    status, body = await moot.api("POST", "/api/v1/statuses", token["access_token"], json={"status": "hi"})
    assert status == 403
    # A wrong secret gets no token; unknown grants are named.
    async with moot.session.post(moot.base_url + "/oauth/token", data={
            "grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": "x"}) as response:
        assert response.status == 401 and (await response.json())["error"] == "invalid_client"
    async with moot.session.post(moot.base_url + "/oauth/token", data={
            "grant_type": "password", "client_id": app["client_id"],
            "client_secret": app["client_secret"]}) as response:
        assert response.status == 400 and (await response.json())["error"] == "unsupported_grant_type"
    # JSON bodies work as forms do (Elk and Phanpy send JSON).
    async with moot.session.post(moot.base_url + "/oauth/token", json={
            "grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": app["client_secret"],
            "scope": "read"}) as response:
        assert response.status == 200 and (await response.json())["scope"] == "read"
    async with moot.session.post(moot.base_url + "/oauth/token", json={
            "grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": app["client_secret"],
            "scope": "admin:read"}) as response:
        assert response.status == 400 and (await response.json())["error"] == "invalid_scope"
    async with moot.session.post(moot.base_url + "/oauth/token", data="{not json",
                                 headers={"Content-Type": "application/json"}) as response:
        assert response.status == 400 and (await response.json())["error"] == "invalid_request"
    # Revoking the app token.
    async with moot.session.post(moot.base_url + "/oauth/revoke", data={
            "token": token["access_token"], "client_id": app["client_id"],
            "client_secret": app["client_secret"]}) as response:
        assert response.status == 200 and await response.json() == {}
    status, _ = await moot.api("GET", "/api/v1/apps/verify_credentials", token["access_token"])
    assert status == 401


async def test_a_page_admin_grants_the_page(moot: MootInstance) -> None:
    ada = await person(moot, "ada")
    page, _ = await moot.page("bakery", owner=ada)
    app = await register_app(moot)
    async with browser() as session:
        await sign_in(session, moot, "ada")
        status, html = await consent_page(session, moot, authorize_path(app))
        form = read_form(html, "/oauth/authorize")
        assert form.radios == [str(ada.id), str(page.id)]
        response = await decide(session, moot, authorize_path(app), as_actor=str(page.id))
        code = redirect_query(response)["code"]
        # Someone else's account cannot be chosen.
        bob = await person(moot, "bob")
        response = await decide(session, moot, authorize_path(app), as_actor=str(bob.id))
        assert response.status == 403
    status, token = await exchange(moot, app, code)
    status, me = await moot.api("GET", "/api/v1/accounts/verify_credentials", token["access_token"])
    assert status == 200 and me["username"] == "bakery"


async def test_well_known_metadata(moot: MootInstance) -> None:
    status, doc = await moot.api("GET", "/.well-known/oauth-authorization-server")
    assert status == 200
    assert doc["issuer"] == moot.base_url + "/"
    assert doc["authorization_endpoint"] == moot.base_url + "/oauth/authorize"
    assert doc["token_endpoint"] == moot.base_url + "/oauth/token"
    assert doc["revocation_endpoint"] == moot.base_url + "/oauth/revoke"
    assert doc["app_registration_endpoint"] == moot.base_url + "/api/v1/apps"
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert set(doc["grant_types_supported"]) == {"authorization_code", "client_credentials", "refresh_token"}
    assert {"read", "write", "follow", "push", "read:statuses", "write:media"} <= set(doc["scopes_supported"])
    assert "client_secret_basic" in doc["token_endpoint_auth_methods_supported"]
