"""Tests for federation/http.py against real aiohttp servers on loopback.

Nothing here may reach the internet: servers bind 127.0.0.1 / 127.0.0.2,
names resolve through an injected lookup, and tests of refused URLs forbid
every socket connect on the event loop, so a broken guard fails loudly
instead of connecting anywhere.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from federation.http import (
    AP_ACCEPT,
    AddressPolicy,
    FetchError,
    GuardedResolver,
    ResponseTooLarge,
    SafeHttpClient,
    UnsafeURLError,
)

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ServeFactory = Callable[..., Awaitable["Served"]]
ClientFactory = Callable[..., Awaitable[SafeHttpClient]]

AP_TYPE = "application/activity+json"
USER_AGENT = "moot-test/1.0 (+https://moot.test)"

# The injected DNS: what each test name "resolves" to.
FAKE_DNS: dict[str, list[str]] = {
    "app.test": ["127.0.0.1"],
    "other.test": ["127.0.0.2"],
    "evil.example": ["10.0.0.1"],
    "mixed.example": ["93.184.216.34", "10.0.0.1"],
    "mapped.example": ["::ffff:10.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "public.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
}


class FakeDns:
    """An injectable lookup that records the names asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        try:
            return list(FAKE_DNS[host.rstrip(".")])
        except KeyError:
            raise socket.gaierror(socket.EAI_NONAME, f"unknown test host {host}") from None


def json_response(doc: object, content_type: str = AP_TYPE, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(doc).encode(), status=status, content_type=content_type)


def redirect_to(location: str, status: int = 302) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": location})

    return handler


def returning(doc: object, content_type: str = AP_TYPE) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return json_response(doc, content_type)

    return handler


@dataclass
class Served:
    """A running loopback server and the requests it received."""

    server: TestServer
    seen: list[web.Request] = field(default_factory=list)

    @property
    def port(self) -> int:
        assert self.server.port is not None
        return self.server.port

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))


@pytest.fixture
async def serve() -> AsyncIterator[ServeFactory]:
    started: list[Served] = []

    async def factory(routes: dict[str, Handler], host: str = "127.0.0.1") -> Served:
        seen: list[web.Request] = []

        @web.middleware
        async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
            seen.append(request)
            return await handler(request)

        app = web.Application(middlewares=[record])
        for path, handler in routes.items():
            app.router.add_route("*", path, handler)
        served = Served(TestServer(app, host=host), seen)
        await served.server.start_server()
        started.append(served)
        return served

    yield factory
    for served in started:
        await served.server.close()


@pytest.fixture
def dns() -> FakeDns:
    return FakeDns()


@pytest.fixture
async def make_client(dns: FakeDns) -> AsyncIterator[ClientFactory]:
    clients: list[SafeHttpClient] = []

    async def factory(**overrides: object) -> SafeHttpClient:
        options: dict[str, object] = {
            "allow_private": True,
            "user_agent": USER_AGENT,
            "resolver_lookup": dns,
        }
        options.update(overrides)
        client = SafeHttpClient(**options)  # type: ignore[arg-type]
        await client.start()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.close()


@pytest.fixture
async def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Make every socket connect on this loop fail and record it.

    aiohttp connects through loop.sock_connect (aiohappyeyeballs) and then
    loop.create_connection(sock=...); both are blocked.
    """
    loop = asyncio.get_running_loop()
    attempts: list[object] = []

    async def forbidden(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("test forbids outbound connections")

    monkeypatch.setattr(loop, "sock_connect", forbidden)
    monkeypatch.setattr(loop, "create_connection", forbidden)
    return attempts


# --- happy paths -----------------------------------------------------------


async def test_get_json_happy_path(serve: ServeFactory, make_client: ClientFactory) -> None:
    doc = {"id": "x", "type": "Group"}
    server = await serve({"/c/cats": returning(doc)})
    client = await make_client()
    url = server.url("/c/cats")

    final_url, got = await client.get_json(url)

    assert (final_url, got) == (url, doc)
    [request] = server.seen
    assert request.headers["Accept"] == AP_ACCEPT
    assert request.headers["User-Agent"] == USER_AGENT


async def test_get_json_through_injected_name_reaches_loopback(
    serve: ServeFactory, make_client: ClientFactory, dns: FakeDns
) -> None:
    ld = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    server = await serve({"/u/a": returning({"id": "a"}, content_type=ld)})
    client = await make_client()
    url = f"http://app.test:{server.port}/u/a"

    assert await client.get_json(url) == (url, {"id": "a"})
    assert dns.asked == ["app.test"]
    assert server.seen[0].host == f"app.test:{server.port}"


async def test_get_json_webfinger_content_types(serve: ServeFactory, make_client: ClientFactory) -> None:
    jrd = {"subject": "acct:a@app.test"}
    server = await serve({"/.well-known/webfinger": returning(jrd, "application/jrd+json")})
    client = await make_client()
    url = server.url("/.well-known/webfinger")

    types = ("application/jrd+json", "application/json")
    assert await client.get_json(url, accept="application/jrd+json", content_types=types) == (url, jrd)
    with pytest.raises(FetchError, match="application/jrd\\+json"):
        await client.get_json(url)  # not an ActivityPub type


async def test_request_returns_error_statuses(serve: ServeFactory, make_client: ClientFactory) -> None:
    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=410, text="gone", headers={"X-Why": "deleted"})

    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500, text="oops")

    server = await serve({"/gone": gone, "/broken": broken})
    client = await make_client()

    resp = await client.request("POST", server.url("/gone"), body=b"{}")
    assert (resp.status, resp.body, resp.headers["x-why"]) == (410, b"gone", "deleted")
    resp = await client.request("GET", server.url("/broken"))
    assert (resp.status, resp.body) == (500, b"oops")


# --- the SSRF guard ----------------------------------------------------------

REFUSED_URLS = [
    "http://public.example/inbox",  # plain http without allow_private
    "https://127.0.0.1/",
    "https://[::1]/",
    "https://10.0.0.5/",
    "https://172.16.3.4/",
    "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/",
    "https://0.0.0.0/",
    "https://224.0.0.1/",
    "https://240.0.0.1/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:10.0.0.1]/",
    "https://[fe80::1]/",
    "https://[fd00::1]/",
    "https://[::]/",
    "https://127.1/",  # legacy numeric forms that socket maps to 127.0.0.1
    "https://2130706433/",
    "https://localhost/",
    "https://LOCALHOST./",
    "https://api.localhost/",
    "https://evil.example/",
    "https://mixed.example/",
    "https://mapped.example/",
    "https://metadata.example/",
    "ftp://example.com/file",
    "file:///etc/passwd",
    "https:///no-host",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
async def test_guard_refuses_before_connecting(
    url: str, make_client: ClientFactory, no_connections: list[object]
) -> None:
    client = await make_client(allow_private=False)

    with pytest.raises(UnsafeURLError):
        await client.request("GET", url)
    assert no_connections == []


async def test_guard_refuses_literals_and_schemes_without_dns(
    make_client: ClientFactory, dns: FakeDns, no_connections: list[object]
) -> None:
    client = await make_client(allow_private=False)
    for url in ("https://10.0.0.5/", "https://[::1]/", "ftp://evil.example/", "file:///etc/passwd"):
        with pytest.raises(UnsafeURLError):
            await client.get_json(url)
    assert dns.asked == []
    assert no_connections == []


async def test_refusal_message_names_host_and_address(
    make_client: ClientFactory, no_connections: list[object]
) -> None:
    client = await make_client(allow_private=False)
    with pytest.raises(UnsafeURLError, match=r"https://mixed\.example/.*10\.0\.0\.1.*private"):
        await client.request("GET", "https://mixed.example/")


async def test_default_resolver_checks_getaddrinfo_result(no_connections: list[object]) -> None:
    # No injected lookup: glibc parses this hex form locally into 127.0.0.1.
    async with SafeHttpClient(allow_private=False, user_agent=USER_AGENT) as client:
        with pytest.raises(UnsafeURLError, match="127.0.0.1"):
            await client.request("GET", "https://0x7f.0.0.1/")
    assert no_connections == []


async def test_resolver_passes_public_and_refuses_any_private(dns: FakeDns) -> None:
    resolver = GuardedResolver(AddressPolicy(allow_private=False), dns)

    results = await resolver.resolve("public.example", 443)
    assert [(r["host"], r["port"]) for r in results] == [
        ("93.184.216.34", 443),
        ("2606:2800:220:1:248:1893:25c8:1946", 443),
    ]
    only_v4 = await resolver.resolve("public.example", 443, socket.AF_INET)
    assert [r["host"] for r in only_v4] == ["93.184.216.34"]
    with pytest.raises(UnsafeURLError, match="10.0.0.1"):
        await resolver.resolve("mixed.example", 443)
    await resolver.close()


async def test_extra_blocked_network_applies_with_allow_private(
    serve: ServeFactory, make_client: ClientFactory
) -> None:
    target = await serve({"/": returning({"id": "secret"})}, host="127.0.0.2")
    client = await make_client(extra_blocked_networks=["127.0.0.2/32"])

    with pytest.raises(UnsafeURLError, match="127.0.0.2"):
        await client.request("GET", f"http://127.0.0.2:{target.port}/")
    with pytest.raises(UnsafeURLError, match="other.test resolves to 127.0.0.2"):
        await client.request("GET", f"http://other.test:{target.port}/")
    assert target.seen == []


# --- redirects ---------------------------------------------------------------


async def test_redirect_chain_followed(serve: ServeFactory, make_client: ClientFactory) -> None:
    end = await serve({"/end": returning({"id": "end"})}, host="127.0.0.2")
    start = await serve(
        {
            "/a": redirect_to("/b", 301),  # relative, resolved against the current URL
            "/b": redirect_to(f"http://127.0.0.2:{end.port}/end", 307),
        }
    )
    client = await make_client()

    final_url, doc = await client.get_json(start.url("/a"))

    assert final_url == f"http://127.0.0.2:{end.port}/end"
    assert doc == {"id": "end"}
    assert [r.path for r in start.seen] == ["/a", "/b"]


async def test_redirect_limit(serve: ServeFactory, make_client: ClientFactory) -> None:
    server = await serve(
        {
            "/r1": redirect_to("/r2"),
            "/r2": redirect_to("/r3"),
            "/r3": redirect_to("/r4"),
            "/r4": redirect_to("/end"),
            "/end": returning({"id": "end"}),
        }
    )
    client = await make_client()

    # three redirects are allowed ...
    assert (await client.get_json(server.url("/r2")))[1] == {"id": "end"}
    # ... a fourth is not
    with pytest.raises(FetchError, match="too many redirects"):
        await client.get_json(server.url("/r1"))


async def test_redirect_to_blocked_address_refused(serve: ServeFactory, make_client: ClientFactory) -> None:
    inner = await serve({"/": returning({"id": "secret"})}, host="127.0.0.2")
    outer = await serve(
        {
            "/literal": redirect_to(f"http://127.0.0.2:{inner.port}/"),
            "/named": redirect_to(f"http://other.test:{inner.port}/"),
        }
    )
    client = await make_client(extra_blocked_networks=["127.0.0.2/32"])

    for path in ("/literal", "/named"):
        with pytest.raises(UnsafeURLError, match="127.0.0.2"):
            await client.get_json(outer.url(path))
    assert len(outer.seen) == 2
    assert inner.seen == []


async def test_post_redirect_is_returned_not_followed(
    serve: ServeFactory, make_client: ClientFactory
) -> None:
    server = await serve({"/inbox": redirect_to("/elsewhere"), "/elsewhere": returning({})})
    client = await make_client()

    resp = await client.request("POST", server.url("/inbox"), body=b"{}")

    assert resp.status == 302
    assert resp.headers["Location"] == "/elsewhere"
    assert [r.path for r in server.seen] == ["/inbox"]


async def test_follow_redirects_false(serve: ServeFactory, make_client: ClientFactory) -> None:
    server = await serve({"/a": redirect_to("/b"), "/b": returning({})})
    client = await make_client()

    resp = await client.request("GET", server.url("/a"), follow_redirects=False)
    assert (resp.status, resp.url) == (302, server.url("/a"))


async def test_signer_called_per_hop(serve: ServeFactory, make_client: ClientFactory) -> None:
    end = await serve({"/end": returning({"id": "end"})}, host="127.0.0.2")
    start = await serve({"/a": redirect_to("/b"), "/b": redirect_to(f"http://127.0.0.2:{end.port}/end")})
    client = await make_client()
    calls: list[tuple[str, str, dict[str, str], bytes | None]] = []

    def signer(method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        calls.append((method, url, headers, body))
        return {"Signature": f"sig for {url}"}

    await client.get_json(start.url("/a"), signer=signer)

    urls = [start.url("/a"), start.url("/b"), f"http://127.0.0.2:{end.port}/end"]
    assert [c[1] for c in calls] == urls
    assert all(c[0] == "GET" and c[3] is None for c in calls)
    assert all(c[2]["Accept"] == AP_ACCEPT and c[2]["User-Agent"] == USER_AGENT for c in calls)
    received = [r.headers["Signature"] for r in start.seen + end.seen]
    assert received == [f"sig for {u}" for u in urls]


async def test_credentials_dropped_on_cross_origin_redirect(
    serve: ServeFactory, make_client: ClientFactory
) -> None:
    other = await serve({"/": returning({})}, host="127.0.0.2")
    start = await serve({"/a": redirect_to("/b"), "/b": redirect_to(f"http://127.0.0.2:{other.port}/")})
    client = await make_client()

    await client.request("GET", start.url("/a"), headers={"Authorization": "Bearer t"})

    assert [r.headers.get("Authorization") for r in start.seen] == ["Bearer t", "Bearer t"]
    assert other.seen[0].headers.get("Authorization") is None


# --- body cap and response checks -------------------------------------------


async def test_body_cap_with_content_length(serve: ServeFactory, make_client: ClientFactory) -> None:
    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 5000, content_type=AP_TYPE)

    async def exact(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 4096)

    server = await serve({"/big": big, "/exact": exact})
    client = await make_client(max_body=4096)

    with pytest.raises(ResponseTooLarge, match="5000"):
        await client.request("GET", server.url("/big"))
    assert (await client.request("GET", server.url("/exact"))).body == b"x" * 4096


async def test_body_cap_while_streaming(serve: ServeFactory, make_client: ClientFactory) -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        # Chunked, no Content-Length, and more than any sane cap: only a
        # client that stops reading at the cap gets ResponseTooLarge here.
        resp = web.StreamResponse(headers={"Content-Type": AP_TYPE})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for _ in range(100_000):
            await resp.write(b"x" * 1024)
        return resp

    server = await serve({"/endless": endless})
    client = await make_client(max_body=16 * 1024, total_timeout=5.0)

    with pytest.raises(ResponseTooLarge, match="16384"):
        await client.get_json(server.url("/endless"))


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"<html>hi</html>", "text/html", "text/html"),
        (b"not json at all", AP_TYPE, "not valid JSON"),
        (b"\xff\xfe\xfa", AP_TYPE, "not valid JSON"),
        (b'[{"id": "x"}]', AP_TYPE, "expected an object"),
        (b'"just a string"', AP_TYPE, "expected an object"),
        (b"[" * 100_000 + b"]" * 100_000, AP_TYPE, "nested too deeply"),
    ],
)
async def test_get_json_rejects_bad_documents(
    body: bytes, content_type: str, message: str, serve: ServeFactory, make_client: ClientFactory
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, headers={"Content-Type": content_type})

    server = await serve({"/doc": handler})
    client = await make_client()
    url = server.url("/doc")

    with pytest.raises(FetchError, match=message) as caught:
        await client.get_json(url)
    assert url in str(caught.value)


async def test_get_json_missing_content_type(serve: ServeFactory, make_client: ClientFactory) -> None:
    async def handler(request: web.Request) -> web.Response:
        resp = web.Response(body=b"{}")
        resp.headers.popall("Content-Type", None)
        return resp

    server = await serve({"/doc": handler})
    client = await make_client()
    with pytest.raises(FetchError, match="Content-Type"):
        await client.get_json(server.url("/doc"))


async def test_get_json_404(serve: ServeFactory, make_client: ClientFactory) -> None:
    server = await serve({})
    client = await make_client()
    url = server.url("/nobody")

    with pytest.raises(FetchError, match="HTTP 404") as caught:
        await client.get_json(url)
    assert caught.value.status == 404
    assert caught.value.url == url


# --- timeouts and network errors ---------------------------------------------


async def within(seconds: float, awaitable: Awaitable[T]) -> T:
    """Fail the test (AssertionError, not FetchError) if the client's own deadline did not fire."""
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        raise AssertionError(f"client did not give up within {seconds}s") from None


@pytest.fixture
async def release() -> AsyncIterator[asyncio.Event]:
    """Set at teardown so handlers that wait on it end before servers close."""
    event = asyncio.Event()
    yield event
    event.set()


async def test_total_timeout_slow_server(
    serve: ServeFactory, make_client: ClientFactory, release: asyncio.Event
) -> None:
    async def stuck(request: web.Request) -> web.Response:
        await release.wait()
        return json_response({})

    server = await serve({"/slow": stuck})
    client = await make_client(total_timeout=0.5)

    started = time.monotonic()
    with pytest.raises(FetchError, match="timeout"):
        await within(3, client.get_json(server.url("/slow")))
    assert time.monotonic() - started < 3


async def test_total_timeout_spans_all_hops(serve: ServeFactory, make_client: ClientFactory) -> None:
    async def slow_redirect(request: web.Request) -> web.Response:
        await asyncio.sleep(0.3)
        hop = int(request.match_info["n"])
        return web.Response(status=302, headers={"Location": f"/hop/{hop + 1}"})

    server = await serve({"/hop/{n}": slow_redirect})
    client = await make_client(total_timeout=0.5)

    # Each hop is within 0.5 s; together they are not.
    with pytest.raises(FetchError, match="timeout"):
        await within(3, client.get_json(server.url("/hop/0")))


async def test_total_timeout_covers_slow_body(
    serve: ServeFactory, make_client: ClientFactory
) -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": AP_TYPE})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for _ in range(20):
            await resp.write(b" ")
            await asyncio.sleep(0.1)
        await resp.write(b"{}")
        return resp

    server = await serve({"/trickle": trickle})
    client = await make_client(total_timeout=0.5)

    with pytest.raises(FetchError, match="timeout"):
        await within(3, client.get_json(server.url("/trickle")))


async def test_connection_refused(make_client: ClientFactory) -> None:
    with socket.socket() as sock:  # find a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = await make_client()
    url = f"http://127.0.0.1:{port}/actor"

    with pytest.raises(FetchError, match=f"127.0.0.1:{port}") as caught:
        await client.get_json(url)
    assert not isinstance(caught.value, UnsafeURLError)


async def test_unknown_host_is_fetch_error(make_client: ClientFactory) -> None:
    client = await make_client()
    with pytest.raises(FetchError, match="nowhere.test"):
        await client.get_json("http://nowhere.test/actor")


async def test_request_before_start() -> None:
    client = SafeHttpClient(allow_private=True, user_agent=USER_AGENT)
    with pytest.raises(RuntimeError, match="start"):
        await client.request("GET", "http://127.0.0.1/")
