"""A person's posting defaults (federation/people/posting_defaults.py): the settings form saves them and the
composers start on them; Mastodon apps read and change them through source[...] and /api/v1/preferences; a
status posted without a visibility gets the default, and a followers-only one stays from anonymous readers."""
from __future__ import annotations

import re
from typing import Any

from federation.vocab import PUBLIC
from models.actors import LocalUser
from models.posts import Post
from tests.conftest import MootInstance
from tests.web.test_community_pages import People, people, post_form  # noqa: F401 (fixtures)

SELECTED = r'<option value="{value}" selected>'


def settings_fields(**posting: str) -> dict[str, str]:
    return {"display_name": "Ada", "bio": "", "locale": "en", "time_zone": "", **posting}


def selected_in(select_id: str, html: str) -> str:
    """The value of the selected option of the <select id=...> on the page."""
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no select {select_id}"
    chosen = re.findall(r'<option value="([^"]*)" selected>', found[1])
    assert len(chosen) == 1, chosen
    return chosen[0]


async def test_the_settings_form_saves_the_defaults_and_the_composers_start_on_them(
        moot: MootInstance, people: People) -> None:
    ada, browser = await people("ada")
    page = await browser.get("/settings")
    assert selected_in("f-default_visibility", page.text) == "public"
    assert selected_in("f-default_language", page.text) == ""
    assert '<option value="nl">Dutch</option>' in page.text and 'name="default_sensitive"' in page.text
    # The composers start on "Everyone" until the default changes.
    assert selected_in("f-visibility", (await browser.get("/home")).text) == "public"

    page = await browser.submit("/settings", "/settings", settings_fields(
        default_visibility="private", default_sensitive="1", default_language="nl"))
    assert page.status == 200 and "Saved." in page.text
    account = await LocalUser.get(actor=ada)
    assert (account.default_visibility, account.default_sensitive, account.default_language) == ("private", True, "nl")
    assert selected_in("f-default_visibility", page.text) == "private"
    assert selected_in("f-default_language", page.text) == "nl"
    assert re.search(r'id="f-default_sensitive"[^>]* checked', page.text)
    for path in ("/home", f"/@{ada.local_name}"):
        assert selected_in("f-visibility", (await browser.get(path)).text) == "private", path

    # The home composer posts with the default's audience, sensitivity and language.
    response = await post_form(browser, "/home", f"/@{ada.local_name}/posts",
                               {"body": "From the garden", "visibility": "private", "next": "/home"})
    assert response.status == 303
    made = await Post.get(author=ada, source="From the garden")
    assert (made.visibility, made.sensitive, made.language) == ("private", True, "nl")

    # Wrong values: 422 with the field's error, and nothing changes.
    page = await browser.submit("/settings", "/settings", settings_fields(default_visibility="direct",
                                                                        default_language="nl"))
    assert page.status == 422 and "Choose who sees your posts from the list." in page.text
    page = await browser.submit("/settings", "/settings", settings_fields(default_visibility="public",
                                                                        default_language="klingon"))
    assert page.status == 422 and "Choose a language from the list." in page.text
    account = await LocalUser.get(actor=ada)
    assert (account.default_visibility, account.default_language) == ("private", "nl")
    # A form without the posting fields (another section's) leaves them alone; unticking saves "not sensitive".
    await browser.submit("/settings", "/settings", settings_fields())
    assert (await LocalUser.get(actor=ada)).default_sensitive is True
    await browser.submit("/settings", "/settings", settings_fields(default_visibility="unlisted", default_language=""))
    account = await LocalUser.get(actor=ada)
    assert (account.default_visibility, account.default_sensitive, account.default_language) == ("unlisted", False, None)


async def test_a_reply_is_never_wider_than_the_default(moot: MootInstance, people: People) -> None:
    ada, browser = await people("ada")
    bob, bob_token = await moot.user("bob")
    code, parent = await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "Seeds?"})
    assert code == 200 and parent["visibility"] == "public"
    await LocalUser.filter(actor=ada).update(default_visibility="private")
    response = await post_form(browser, f"/threads/{parent['id']}", f"/threads/{parent['id']}/reply",
                                {"body": "Beans, always."})
    assert response.status == 303
    assert (await Post.get(author=ada, in_reply_to_id=int(parent["id"]))).visibility == "private"


async def test_apps_read_and_change_the_defaults(moot: MootInstance) -> None:
    ann, token = await moot.user("ann")
    code, body = await moot.api("GET", "/api/v1/accounts/verify_credentials", token)
    assert code == 200 and body["source"]["privacy"] == "public" and body["source"]["language"] is None

    # A form body, as Mastodon.py and most apps send it.
    code, body = await moot.api("PATCH", "/api/v1/accounts/update_credentials", token,
                                data={"source[privacy]": "unlisted", "source[sensitive]": "true",
                                      "source[language]": "de"})
    assert code == 200, body
    assert (body["source"]["privacy"], body["source"]["sensitive"], body["source"]["language"]) == ("unlisted", True, "de")
    code, prefs = await moot.api("GET", "/api/v1/preferences", token)
    assert code == 200 and (prefs["posting:default:visibility"], prefs["posting:default:sensitive"],
                            prefs["posting:default:language"]) == ("unlisted", True, "de")

    # A JSON body, nested; one field changes, the others stay.
    code, body = await moot.api("PATCH", "/api/v1/accounts/update_credentials", token,
                                json={"source": {"privacy": "private"}, "display_name": "Ann"})
    assert code == 200 and body["display_name"] == "Ann"
    assert (body["source"]["privacy"], body["source"]["sensitive"], body["source"]["language"]) == ("private", True, "de")
    code, body = await moot.api("GET", "/api/v1/accounts/verify_credentials", token)
    assert body["source"]["privacy"] == "private"

    # Wrong values: Mastodon's 422 {"error": ...}, and nothing is saved, not even the valid parts.
    for wrong in ({"source[privacy]": "direct"}, {"source[privacy]": "everyone"},
                  {"source[language]": "xx", "source[privacy]": "public"}, {"source[language]": "english"}):
        code, body = await moot.api("PATCH", "/api/v1/accounts/update_credentials", token, data=wrong)
        assert code == 422 and set(body) == {"error"} and body["error"].startswith("Validation failed"), (wrong, body)
    code, prefs = await moot.api("GET", "/api/v1/preferences", token)
    assert (prefs["posting:default:visibility"], prefs["posting:default:language"]) == ("private", "de")
    # Clearing the language: an empty value, as Mastodon.
    code, body = await moot.api("PATCH", "/api/v1/accounts/update_credentials", token, data={"source[language]": ""})
    assert code == 200 and body["source"]["language"] is None


async def test_a_page_keeps_the_public_defaults(moot: MootInstance) -> None:
    owner, _ = await moot.user("owner")
    _, page_token = await moot.page("bakery", owner)
    code, body = await moot.api("PATCH", "/api/v1/accounts/update_credentials", page_token,
                                data={"source[privacy]": "public", "display_name": "Bakery"})
    assert code == 200 and body["source"]["privacy"] == "public"
    code, body = await moot.api("PATCH", "/api/v1/accounts/update_credentials", page_token,
                                data={"source[privacy]": "private"})
    assert code == 422 and "Validation failed" in body["error"]


async def status_doc(moot: MootInstance, uri: str, **headers: str) -> tuple[int, Any]:
    async with moot.session.get(uri, headers={"Accept": "application/activity+json", **headers}) as response:
        return response.status, await response.json(content_type=None) if response.status == 200 else None


async def test_a_status_without_visibility_gets_the_default(moot: MootInstance) -> None:
    ann, token = await moot.user("ann")
    reader, reader_token = await moot.user("reader")
    code, _ = await moot.api("POST", f"/api/v1/accounts/{ann.id}/follow", reader_token)
    assert code == 200
    code, _ = await moot.api("PATCH", "/api/v1/accounts/update_credentials", token,
                             json={"source": {"privacy": "private", "sensitive": True, "language": "nl"}})
    assert code == 200

    code, status = await moot.api("POST", "/api/v1/statuses", token, json={"status": "Only for my followers"})
    assert code == 200
    assert (status["visibility"], status["sensitive"], status["language"]) == ("private", True, "nl")
    # On the wire to other servers: addressed to the followers, never to the public collection.
    post = await Post.get(id=int(status["id"]))
    assert post.to == [ann.followers_url] and PUBLIC not in post.to + post.cc
    # A follower reads it; an anonymous reader finds nothing, in the API and on the web.
    code, seen = await moot.api("GET", f"/api/v1/statuses/{status['id']}", reader_token)
    assert code == 200 and seen["content"].startswith("<p>Only for my followers")
    code, _ = await moot.api("GET", f"/api/v1/statuses/{status['id']}")
    assert code == 404
    code, listed = await moot.api("GET", f"/api/v1/accounts/{ann.id}/statuses")
    assert code == 200 and listed == []
    async with moot.session.get(f"{moot.base_url}/threads/{status['id']}") as response:
        assert response.status == 404 and "Only for my followers" not in await response.text()
    code, _ = await status_doc(moot, status["uri"])
    assert code in (401, 403, 404)

    # What the app says wins over the default.
    code, status = await moot.api("POST", "/api/v1/statuses", token,
                                  json={"status": "For everyone", "visibility": "public", "sensitive": False,
                                        "language": "en"})
    assert (status["visibility"], status["sensitive"], status["language"]) == ("public", False, "en")
    code, _ = await moot.api("GET", f"/api/v1/statuses/{status['id']}")
    assert code == 200
