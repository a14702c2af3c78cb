"""Issue 13's endpoint list, called the way Mastodon apps call it (one token, one small world), each checked
for its status and the fields apps parse: ids as strings, ISO 8601 times, account objects, Link headers on
lists; unknown endpoints answer Mastodon's {"error": ...} 404, never a crash."""
from __future__ import annotations

import re
from typing import Any, Callable

import aiohttp

from tests.conftest import MootInstance
from tests.oauth.test_mastodon_py import png

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
Check = Callable[[Any], None]


def iso(value: Any) -> None:
    assert isinstance(value, str) and ISO.match(value), value


def account(body: Any) -> None:
    assert isinstance(body["id"], str) and body["id"].isdigit(), body
    for key in ("username", "acct", "display_name", "url", "avatar", "note"):
        assert isinstance(body[key], str), (key, body)
    iso(body["created_at"])
    for key in ("followers_count", "following_count", "statuses_count"):
        assert isinstance(body[key], int), (key, body)
    assert isinstance(body["locked"], bool) and isinstance(body["bot"], bool) and isinstance(body["fields"], list)


def status(body: Any) -> None:
    assert isinstance(body["id"], str) and body["id"].isdigit(), body
    iso(body["created_at"])
    account(body["account"])
    for key in ("uri", "content", "visibility"):
        assert isinstance(body[key], str), (key, body)
    for key in ("replies_count", "reblogs_count", "favourites_count"):
        assert isinstance(body[key], int), (key, body)
    for key in ("media_attachments", "mentions", "tags", "emojis"):
        assert isinstance(body[key], list), (key, body)
    assert body["in_reply_to_id"] is None or isinstance(body["in_reply_to_id"], str)
    if body.get("reblog"):
        status(body["reblog"])


def renamed(body: Any) -> None:
    account(body)
    assert body["display_name"] == "Ann B.", body


def bookmarked(body: Any) -> None:
    status(body)
    assert body["bookmarked"] is True, body


def credentials(body: Any) -> None:
    account(body)
    source = body["source"]
    assert source["privacy"] in ("public", "unlisted", "private", "direct") and isinstance(source["note"], str)
    assert isinstance(source["fields"], list) and source["follow_requests_count"] == 1, source


def notification(body: Any) -> None:
    assert isinstance(body["id"], str) and isinstance(body["type"], str)
    iso(body["created_at"])
    account(body["account"])
    if body.get("status"):
        status(body["status"])


def each(check: Check, at_least: int = 1) -> Check:
    def run(body: Any) -> None:
        assert isinstance(body, list) and len(body) >= at_least, body
        for item in body:
            check(item)
    return run


def keys(*names: str) -> Check:
    def run(body: Any) -> None:
        assert isinstance(body, dict) and set(names) <= set(body), (names, body)
    return run


def relationship(body: Any) -> None:
    assert isinstance(body, list) and body and isinstance(body[0]["id"], str)
    for key in ("following", "followed_by", "requested", "blocking", "muting"):
        assert isinstance(body[0][key], bool), (key, body)


def context(body: Any) -> None:
    each(status, 0)(body["ancestors"])
    each(status, 0)(body["descendants"])
    assert body["ancestors"] or body["descendants"]


def media(body: Any) -> None:
    assert isinstance(body["id"], str) and body["type"] == "image" and body["url"].startswith("http")
    assert body["description"] == "A red square"


def report(body: Any) -> None:
    assert isinstance(body["id"], str)
    iso(body["created_at"])
    account(body["target_account"])


def poll(body: Any) -> None:
    assert isinstance(body["id"], str) and isinstance(body["options"], list) and len(body["options"]) == 2
    iso(body["expires_at"])
    assert isinstance(body["votes_count"], int)


def marker(body: Any) -> None:
    assert isinstance(body["home"]["last_read_id"], str)
    iso(body["home"]["updated_at"])


def conversation(body: Any) -> None:
    assert isinstance(body["id"], str) and isinstance(body["unread"], bool)
    each(account)(body["accounts"])
    status(body["last_status"])


def instance_v1(body: Any) -> None:
    assert {"uri", "title", "version", "urls", "stats", "configuration"} <= set(body)
    assert body["urls"]["streaming_api"].startswith("ws")


def instance_v2(body: Any) -> None:
    assert {"domain", "title", "version", "configuration", "registrations", "contact", "rules"} <= set(body)
    assert body["configuration"]["statuses"]["max_characters"] > 0
    assert "source_url" not in body  # no MOOT_SOURCE_URL: nothing made up


async def call(moot: MootInstance, method: str, path: str, token: str | None, **kwargs: Any
               ) -> tuple[int, Any, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with moot.session.request(method, moot.base_url + path, headers=headers, **kwargs) as response:
        body = await response.json(content_type=None) if "json" in response.content_type else await response.text()
        return response.status, body, response.headers.get("Link", "")


async def test_endpoint_shapes(moot_factory: Any) -> None:
    moot: MootInstance = await moot_factory()
    ann, token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    cy, cy_token = await moot.user("cy")
    await moot.api("POST", f"/api/v1/accounts/{bob.id}/follow", token)
    await moot.api("POST", f"/api/v1/accounts/{ann.id}/follow", bob_token)
    # ann locks her account: cy's follow is a request.
    await moot.api("PATCH", "/api/v1/accounts/update_credentials", token, data={"locked": "true"})
    await moot.api("POST", f"/api/v1/accounts/{ann.id}/follow", cy_token)
    _, seed = await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "Seed swap #garden"})
    _, answer = await moot.api("POST", "/api/v1/statuses", token,
                               json={"status": "@bob count me in", "in_reply_to_id": seed["id"]})
    _, question = await moot.api("POST", "/api/v1/statuses", bob_token,
                                 json={"status": "Which bean?", "poll": {"options": ["Runner", "Broad"],
                                                                         "expires_in": 3600}})
    await moot.api("POST", f"/api/v1/statuses/{seed['id']}/favourite", token)
    await moot.api("POST", f"/api/v1/statuses/{seed['id']}/favourite", cy_token)
    await moot.api("POST", f"/api/v1/statuses/{seed['id']}/reblog", cy_token)
    await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "@ann psst", "visibility": "direct"})
    form = aiohttp.FormData()
    form.add_field("file", png(), filename="red.png", content_type="image/png")
    form.add_field("description", "A red square")
    await moot.drain()

    cases: list[tuple[str, str, dict[str, Any], int, Check, bool]] = [
        # (method, path, request options, status, check, Link header expected)
        ("GET", "/api/v1/instance", {}, 200, instance_v1, False),
        ("GET", "/api/v2/instance", {}, 200, instance_v2, False),
        ("GET", "/api/v1/accounts/verify_credentials", {}, 200, credentials, False),
        ("PATCH", "/api/v1/accounts/update_credentials", {"data": {"display_name": "Ann B."}}, 200,
         renamed, False),
        ("GET", f"/api/v1/accounts/{bob.id}", {}, 200, account, False),
        ("GET", f"/api/v1/accounts/{bob.id}/statuses", {}, 200, each(status), True),
        ("GET", f"/api/v1/accounts/{ann.id}/followers", {}, 200, each(account), True),
        ("GET", f"/api/v1/accounts/{ann.id}/following", {}, 200, each(account), True),
        ("GET", f"/api/v1/accounts/relationships?id[]={bob.id}", {}, 200, relationship, False),
        ("GET", "/api/v1/accounts/lookup?acct=bob", {}, 200, account, False),
        ("GET", f"/api/v1/statuses/{seed['id']}", {}, 200, status, False),
        ("GET", f"/api/v1/statuses/{seed['id']}/context", {}, 200, context, False),
        ("GET", f"/api/v1/statuses/{seed['id']}/favourited_by", {}, 200, each(account), True),
        ("GET", f"/api/v1/statuses/{seed['id']}/reblogged_by", {}, 200, each(account), True),
        ("POST", f"/api/v1/statuses/{seed['id']}/reblog", {}, 200, status, False),
        ("POST", f"/api/v1/statuses/{seed['id']}/unreblog", {}, 200, status, False),
        ("POST", f"/api/v1/statuses/{seed['id']}/bookmark", {}, 200,
         bookmarked, False),
        ("GET", "/api/v1/bookmarks", {}, 200, each(status), True),
        ("GET", "/api/v1/favourites", {}, 200, each(status), True),
        ("GET", "/api/v1/timelines/home", {}, 200, each(status), True),
        ("GET", "/api/v1/timelines/public", {}, 200, each(status), True),
        ("GET", "/api/v1/timelines/public?local=true", {}, 200, each(status), True),
        ("GET", "/api/v1/timelines/tag/garden", {}, 200, each(status), True),
        ("GET", "/api/v1/notifications", {}, 200, each(notification), True),
        ("GET", "/api/v1/notifications/unread_count", {}, 200, keys("count"), False),
        ("GET", "/api/v1/conversations", {}, 200, each(conversation), True),
        ("POST", "/api/v1/markers", {"json": {"home": {"last_read_id": seed["id"]}}}, 200, marker, False),
        ("GET", "/api/v1/markers?timeline[]=home", {}, 200, marker, False),
        ("POST", "/api/v1/media", {"data": form}, 200, media, False),
        ("POST", "/api/v1/reports", {"json": {"account_id": str(bob.id), "status_ids": [seed["id"]],
                                             "comment": "spam"}}, 200, report, False),
        ("GET", "/api/v1/preferences", {}, 200, keys("posting:default:visibility", "reading:expand:media"), False),
        ("GET", "/api/v1/custom_emojis", {}, 200, each(lambda item: None, 0), False),
        ("GET", "/api/v2/filters", {}, 200, each(lambda item: None, 0), False),
        ("GET", "/api/v1/trends", {}, 200, each(keys("name", "url", "history")), False),
        ("GET", "/api/v1/follow_requests", {}, 200, each(account), True),
        ("GET", f"/api/v1/polls/{question['poll']['id']}", {}, 200, poll, False),
        ("POST", f"/api/v1/polls/{question['poll']['id']}/votes", {"json": {"choices": ["0"]}}, 200, poll, False),
    ]
    failures = []
    for method, path, options, expected, check, paged in cases:
        code, body, link = await call(moot, method, path, token, **options)
        try:
            assert code == expected, (code, body)
            check(body)
            if paged:
                assert 'rel="prev"' in link, f"no Link header: {link!r}"
        except AssertionError as exc:
            failures.append(f"{method} {path}: {exc}")
    # Media v2, and the media lifecycle apps use: set the alt text later (PUT), read it back (GET).
    form = aiohttp.FormData()
    form.add_field("file", png(), filename="red.png", content_type="image/png")
    form.add_field("description", "A red square")
    code, uploaded, _ = await call(moot, "POST", "/api/v2/media", token, data=form)
    if code not in (200, 202):
        failures.append(f"POST /api/v2/media: {code} {uploaded}")
    else:
        code, body, _ = await call(moot, "PUT", f"/api/v1/media/{uploaded['id']}", token,
                                   data={"description": "Still a red square"})
        if code != 200 or body.get("description") != "Still a red square":
            failures.append(f"PUT /api/v1/media/:id: {code} {body}")
        code, body, _ = await call(moot, "GET", f"/api/v1/media/{uploaded['id']}", token)
        if code != 200 or body.get("description") != "Still a red square":
            failures.append(f"GET /api/v1/media/:id: {code} {body}")
        code, body, _ = await call(moot, "GET", f"/api/v1/media/{uploaded['id']}", bob_token)
        if code != 404:
            failures.append(f"GET someone else's /api/v1/media/:id: {code} {body}")
    # Notifications: dismiss one, then clear.
    _, notes, _ = await call(moot, "GET", "/api/v1/notifications", token)
    code, body, _ = await call(moot, "POST", f"/api/v1/notifications/{notes[0]['id']}/dismiss", token)
    if code != 200 or body != {}:
        failures.append(f"dismiss: {code} {body}")
    code, body, _ = await call(moot, "POST", "/api/v1/notifications/clear", token)
    if code != 200 or body != {}:
        failures.append(f"clear: {code} {body}")
    # What Moot does not serve, or cannot find: Mastodon's error shape, never a crash.
    for method, path in (("GET", "/api/v1/does_not_exist"), ("GET", "/api/v1/statuses/99999999"),
                         ("GET", "/api/v1/statuses/not-a-number"), ("POST", "/api/v1/statuses/99999999/reblog"),
                         ("GET", "/api/v1/accounts/99999999"), ("GET", "/api/v1/media/99999999"),
                         ("GET", "/api/v1/polls/99999999")):
        code, body, _ = await call(moot, method, path, token)
        if code != 404 or not isinstance(body, dict) or not isinstance(body.get("error"), str):
            failures.append(f"{method} {path}: {code} {body!r:.200}")
    assert not failures, "\n".join(failures)


async def test_source_url_setting(moot_factory: Any) -> None:
    from server.settings import SettingsError, load_settings

    assert load_settings({"MOOT_SOURCE_URL": "https://git.example/moot"}).source_url == "https://git.example/moot"
    assert load_settings({}).source_url is None
    try:
        load_settings({"MOOT_SOURCE_URL": "ftp://nope"})
    except SettingsError as exc:
        assert "MOOT_SOURCE_URL" in str(exc)
    else:
        raise AssertionError("an ftp URL was accepted")
    moot = await moot_factory(source_url="https://git.example/moot")
    code, body = await moot.api("GET", "/api/v2/instance")
    assert code == 200 and body["source_url"] == "https://git.example/moot"
    code, body = await moot.api("GET", "/nodeinfo/2.1")
    assert code == 200 and body["software"]["repository"] == "https://git.example/moot"
    code, body = await moot.api("GET", "/nodeinfo/2.0")
    assert code == 200 and "repository" not in body["software"]
