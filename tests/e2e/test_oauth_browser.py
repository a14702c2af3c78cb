"""A Mastodon app sends a person to /oauth/authorize: they sign in, read the consent page, authorise; then
they find the app in their settings and take its access back."""
from __future__ import annotations

from typing import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from models.actors import ApiToken
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from tests.oauth.helpers import PASSWORD, authorize_path, exchange, person, register_app


async def test_consent_then_settings_revoke(moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]]) -> None:
    ada = await person(moot, "ada", display_name="Ada")
    await moot.page("bakery", owner=ada, display_name="The Bakery")
    # The app's callback is on loopback here (the browser may not leave it); any registered URI works alike.
    callback = moot.base_url + "/"
    app = await register_app(moot, client_name="Elk", website="https://elk.example",
                             redirect_uris=f"{callback}\nurn:ietf:wg:oauth:2.0:oob", scopes="read write follow")
    visitor = await visitors(moot)
    page = visitor.page
    await visitor.open(authorize_path(app, redirect_uri=callback, scope="read write follow", state="abc"))
    assert visitor.path().startswith("/login?next=")
    await visitor.field("User name").fill("ada")
    await visitor.field("Password").fill(PASSWORD)
    await visitor.submit(visitor.button("Sign in"))
    assert visitor.path().startswith("/oauth/authorize?")
    await page.get_by_role("heading", name="Allow Elk to use your account?").wait_for()
    main = page.locator("main")
    await main.get_by_text("Follow and unfollow accounts, and block and mute them").wait_for()
    await main.get_by_text("elk.example").first.wait_for()
    assert await main.get_by_role("radio").count() == 2
    await visitor.look("oauth-consent")
    response = await visitor.submit(visitor.button("Authorise"))
    assert response.status == 302
    location = urlsplit(response.headers["location"])
    query = parse_qs(location.query)
    assert query["state"] == ["abc"] and location.path == "/"
    status, token = await exchange(moot, app, query["code"][0], redirect_uri=callback)
    assert status == 200 and token["scope"] == "read write follow"

    # The out-of-band way: the code is shown to copy.
    await visitor.open(authorize_path(app, redirect_uri="urn:ietf:wg:oauth:2.0:oob", scope="read"))
    await visitor.submit(visitor.button("Authorise"))
    code = await page.get_by_label("Authorisation code").input_value()
    await visitor.look("oauth-code")
    status, _ = await exchange(moot, app, code, redirect_uri="urn:ietf:wg:oauth:2.0:oob")
    assert status == 200

    await visitor.open("/settings/apps")
    await main.get_by_role("heading", name="Elk").wait_for()
    await visitor.look("settings-apps")
    await main.locator("summary", has_text="Revoke").click()
    response = await visitor.submit(visitor.button("Yes, revoke"))
    assert response.status == 303
    await page.get_by_role("status").filter(has_text="no longer has access").wait_for()
    assert await ApiToken.filter(granted_by=ada).count() == 0
    status, _ = await moot.api("GET", "/api/v1/accounts/verify_credentials", token["access_token"])
    assert status == 401
    visitor.check()
