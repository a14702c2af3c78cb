"""/settings/apps: the apps a person authorised, and taking access back."""
from __future__ import annotations

from models.actors import ApiToken
from tests.conftest import MootInstance
from tests.oauth.helpers import browser, code_for, exchange, person, read_form, register_app, sign_in


async def test_settings_list_and_revoke(moot: MootInstance) -> None:
    ada = await person(moot, "ada")
    bob = await person(moot, "bob")
    app = await register_app(moot, client_name="Phone app", website="https://phone.example")
    async with browser() as session:
        await sign_in(session, moot, "bob")
        _, bobs = await exchange(moot, app, await code_for(session, moot, app))
    async with browser() as session:
        await sign_in(session, moot, "ada")
        status, token = await exchange(moot, app, await code_for(session, moot, app))
        assert status == 200
        await moot.api("GET", "/api/v1/accounts/verify_credentials", token["access_token"])
        async with session.get(moot.base_url + "/settings/apps") as response:
            html = await response.text()
        assert "Phone app" in html and "phone.example" in html and "Last used" in html
        assert "Read everything in your account" in html
        application_id = (await ApiToken.get(actor=ada, application_id__isnull=False)).application_id
        # Someone else's revoke URL, or a made-up one, is a 404.
        form = read_form(html, f"/settings/apps/{application_id}/revoke")
        async with session.post(moot.base_url + "/settings/apps/999999/revoke", data=form.fields) as response:
            assert response.status == 404
        async with session.post(moot.base_url + f"/settings/apps/{application_id}/revoke", data=form.fields,
                                allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"] == "/settings/apps?revoked=1"
        async with session.get(moot.base_url + "/settings/apps?revoked=1") as response:
            html = await response.text()
        assert "no longer has access" in html and "Phone app" not in html
    status, _ = await moot.api("GET", "/api/v1/accounts/verify_credentials", token["access_token"])
    assert status == 401
    # Bob's grant to the same app is his own: untouched.
    status, me = await moot.api("GET", "/api/v1/accounts/verify_credentials", bobs["access_token"])
    assert status == 200 and me["id"] == str(bob.id)
