"""The leak suite: every GET route the app registers, filled from a world of canaries, requested as each of the six
viewers who are outside every canary's audience. Canary text, URIs and media names must never appear.

Routes are read from the router, so a route added next month is requested too; a route this suite cannot fill
must be listed in UNFILLABLE with the reason, and the suite fails on any other route it did not request.
"""
from __future__ import annotations

import asyncio
import itertools
import re
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

from httpsig import HeaderSigner

from tests.conftest import MootInstance
from tests.privacy.world import Viewer, World

# Routes that cannot be filled from the world, with the reason. Keep this empty unless there is a reason.
UNFILLABLE: dict[str, str] = {
    # Server-sent events never end, and carry only what is stored after a client connects (the canaries exist
    # before): tests/clientapi/test_streaming.py checks that nothing narrow goes out on them.
    "/api/v1/streaming/{path}": "a never-ending stream of new rows only",
}
PARAMETER = re.compile(r"\{(\w+)(?::[^}]*)?\}")
ACCEPTS = ("application/activity+json", "text/html")
# Routes that answer ActivityPub JSON or HTML by the Accept header are asked both ways; the rest answer one shape.
NEGOTIATED = frozenset({"/", "/{kind}/{name}", "/@{name}", "/posts/{post_id}", "/activities/{activity_id}"})
AS_JSON_ONLY = frozenset({"/{kind}/{name}/{collection}", "/actor"})
MAX_FILLINGS = 60


def get_routes(app: Any) -> list[str]:
    """Every GET route's path template (a static resource as its prefix)."""
    templates = []
    for resource in app.router.resources():
        if not any(route.method == "GET" for route in resource):
            continue
        info = resource.get_info()
        templates.append(info.get("formatter") or info.get("path") or info["prefix"])
    return templates


def extra_queries(template: str, world: World) -> list[str]:
    host = world.moot.host
    uris = [post.uri for post in world.canary_posts]
    by_route = {
        "/api/v2/search": [f"q={quote(uri, safe='')}&resolve=true" for uri in uris]
        + ["q=Kanarie", f"q=%40vault%40{host}", "q=vault"],
        "/api/moot/v1/modlog": ["group_id=vault", f"group_id={world.group.id}"],
        "/explore": ["q=vault", f"handle=%40vault%40{host}", "type=group"],
        "/search": ["q=Kanarie", "q=kanariesearchword", "q=Kanarie&type=groups", "q=vault&type=groups"],
        "/authorize_interaction": [f"uri={quote(uri, safe='')}" for uri in uris],
        "/.well-known/webfinger": [f"resource=acct:vault@{host}"],
        "/{kind}/{name}/{collection}": ["page=1"],
        "/groups/{name}/members": ["page=1"],
        "/home": [f"before={world.canary_posts[-1].id}"],
    }
    return [""] + by_route.get(template, [])


def fillings(template: str, world: World) -> list[str]:
    if template == "/static":
        return ["/static/moot.css", "/static/moot.js"]
    if template == "/{kind}/{name}/{collection}":  # each actor under its own kind
        return [f"/{actor}/{collection}" for actor in ("groups/vault", "users/mia", "users/dora")
                for collection in world.params["collection"]]
    if template == "/posts/{post_id}":  # ActivityPub ids end in a random tail, not the numeric id
        return [f"/posts/{tail}" for tail in world.params["post_uri_id"]]
    names = PARAMETER.findall(template)
    missing = [name for name in names if name not in world.params]
    if missing:
        return []
    paths = []
    for values in itertools.islice(itertools.product(*(world.params[name] for name in names)), MAX_FILLINGS):
        path = template
        for value in values:
            path = PARAMETER.sub(value.replace("\\", "\\\\"), path, count=1)
        paths.append(path)
    return paths


def accepts(template: str) -> tuple[str, ...]:
    if template in NEGOTIATED:
        return ACCEPTS
    return ACCEPTS[:1] if template in AS_JSON_ONLY or template.startswith("/api/") else ACCEPTS[1:]


def headers_for(viewer: Viewer, url: str, accept: str) -> dict[str, str]:
    headers = {"Accept": accept}
    if viewer.token:
        headers["Authorization"] = f"Bearer {viewer.token}"
    if viewer.cookies:
        headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in viewer.cookies.items())
    if viewer.signer is not None:
        parts = url.split("/", 3)
        headers.update({"Host": parts[2], "Date": format_datetime(datetime.now(timezone.utc), usegmt=True)})
        signer = HeaderSigner(viewer.signer.key_id, viewer.signer.private_pem, algorithm="rsa-sha256",
                              headers=["(request-target)", "host", "date", "accept"], sign_header="signature")
        headers = dict(signer.sign(headers, method="GET", path="/" + parts[3]))
    return headers


async def fetch(moot: MootInstance, viewer: Viewer, path: str, accept: str) -> tuple[int, str]:
    url = moot.base_url + path
    async with moot.session.get(url, headers=headers_for(viewer, url, accept), allow_redirects=False) as response:
        body = await response.read()
        return response.status, body.decode("utf-8", "replace") + "\n" + response.headers.get("Location", "")


async def test_no_route_shows_a_canary_to_anyone_outside_its_audience(world: World) -> None:
    moot = world.moot
    templates = get_routes(moot.app)
    unfilled = [t for t in templates if not fillings(t, world) and t not in UNFILLABLE]
    assert not unfilled, f"GET routes the leak suite cannot fill (list them in UNFILLABLE with a reason): {unfilled}"
    assert set(UNFILLABLE) <= set(templates), "UNFILLABLE names routes that no longer exist"

    requests = [
        (path + ("?" + query if query else ""), viewer, accept)
        for template in templates
        for path in fillings(template, world)
        for query in extra_queries(template, world)
        for viewer in world.outsiders
        for accept in accepts(template)
    ]
    assert len(requests) > 1000
    leaks: list[str] = []
    slots = asyncio.Semaphore(8)

    async def check(full: str, viewer: Viewer, accept: str) -> None:
        async with slots:
            status, body = await fetch(moot, viewer, full, accept)
        if status >= 500:
            leaks.append(f"{status} for {viewer.name}: GET {full} ({accept})")
        # What the request itself names is not a leak when echoed (a search for a URI).
        found = [canary for canary in world.canary_strings
                 if canary in body and quote(canary, safe="") not in full and canary not in full]
        if found:
            leaks.append(f"{viewer.name}: GET {full} ({accept}) shows {found[:3]}")

    await asyncio.gather(*(check(*request) for request in requests))
    assert not leaks, f"{len(leaks)} leaks:\n" + "\n".join(leaks[:40])


async def test_the_canaries_reach_their_audience(world: World) -> None:
    """The positive control: the same canaries are there for those they are for, so the suite can fail."""
    moot = world.moot
    by_text = {post.content: post for post in world.canary_posts}

    def post_with(text: str) -> str:
        return str(next(post.id for content, post in by_text.items() if text in content))

    cases = [
        ("mia", f"/api/v1/statuses/{post_with('group-post')}", "Kanarie-group-post"),
        ("mia", f"/threads/{post_with('group-post')}", "Kanarie-group-reply"),
        ("mia", "/groups/vault", "Kanarie-remote-public"),
        ("olga", f"/api/v1/statuses/{post_with('held-body')}", None),  # held: its author and the moderators
        ("rita", f"/api/v1/statuses/{post_with('direct-message')}", "Kanarie-direct-message"),
        ("dora", f"/api/moot/v1/posts/{post_with('direct-message')}/thread", "Kanarie-direct-reply"),
        ("finn", f"/api/v1/statuses/{post_with('followers-only')}", "Kanarie-followers-only"),
        ("finn", "/home", "Kanarie-followers-only"),
        ("rita", "/home", "Kanarie-direct-message"),  # a direct message reaches its recipient's home
        ("rita", "/conversations", "Kanarie-direct-reply"),  # and their messages, newest shown (conversations.py)
        ("rita", f"/conversations/{post_with('direct-message')}", "Kanarie-direct-message"),
        ("mia", "/api/moot/v1/modlog?group_id=vault", "Kanarie-removal-reason"),
        ("mia", f"/media/{world.media_name}", None),
    ]
    for name, path, text in cases:
        status, body = await fetch(moot, world.insiders[name], path, "text/html")
        assert status == 200, (name, path, status, body[-300:])
        if text is not None:
            assert text in body, (name, path)
