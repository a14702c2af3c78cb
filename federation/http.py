"""The one outbound HTTP client of the server, with an SSRF guard.

Every request to another server goes through `SafeHttpClient` (protocol.md,
rule 5 "Outbound fetches"):

- only http(s); https only unless private addresses are allowed;
- DNS is resolved by `GuardedResolver` inside the connector, every resolved
  address is checked, and the connection goes to the checked address, so a
  second lookup cannot rebind the name (no DNS-rebinding window);
- IP-literal hosts bypass aiohttp's resolver, so `AddressPolicy.check_url`
  checks them before each request;
- redirects are followed by hand (GET/HEAD only), at most `max_redirects`,
  each target rechecked and re-signed;
- one deadline covers all hops and the body; the body is capped while read.

This module is standalone: settings come in through the constructor.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

from federation.protocol.json_body import JsonBodyError, loads_bounded

AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
AP_CONTENT_TYPES: tuple[str, ...] = ("application/activity+json", "application/ld+json")

Signer = Callable[[str, str, dict[str, str], bytes | None], dict[str, str]]
ResolverLookup = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_FOLLOWABLE_METHODS = frozenset({"GET", "HEAD"})
# Credentials meant for one origin must not leak to another on redirect.
_ORIGIN_BOUND_HEADERS = frozenset({"authorization", "cookie"})
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_READ_CHUNK = 64 * 1024


class FetchError(Exception):
    """An outbound request failed; the message names the URL and the reason."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class UnsafeURLError(FetchError):
    """The SSRF guard refused the URL or the address its host resolves to."""


class ResponseTooLarge(FetchError):
    """The response body is larger than the client's cap."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str  # the final URL, after redirects


@dataclass(frozen=True)
class _Outgoing:
    """What every hop of one request sends."""

    method: str
    headers: dict[str, str]
    body: bytes | None
    signer: Signer | None
    follow: bool  # follow redirects
    keep_body: int | None = None  # read at most this much of the answer and drop the rest (no error)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def unsafe_reason(ip: IPAddress) -> str | None:
    """Why `ip` must not be contacted from a public server, or None if it may be."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            # Judge by the IPv4 target: Python's own flags for these ranges vary by version.
            reason = unsafe_reason(embedded)
            return f"{reason} (embedded {embedded})" if reason else None
        if ip.is_site_local:
            return "a site-local address"
    checks = (
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_multicast, "a multicast address"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT, "a shared (CGNAT) address"),
        (ip.is_private, "a private address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "not a globally routable address"),
    )
    return next((reason for failed, reason in checks if failed), None)


def _is_local_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def _looks_like_ip(host: str) -> bool:
    # Same test aiohttp uses to skip the resolver, so nothing slips between the two.
    return ":" in host or host.replace(".", "").isdigit()


@dataclass(frozen=True)
class AddressPolicy:
    """Which schemes, names and addresses outbound requests may reach."""

    allow_private: bool
    blocked_networks: tuple[IPNetwork, ...] = ()

    def check_url(self, url: URL) -> None:
        """Refuse a URL by scheme, host name or literal IP, before any connection."""
        allowed = ("http", "https") if self.allow_private else ("https",)
        if url.scheme not in allowed:
            raise UnsafeURLError(
                f"refusing {url}: scheme {url.scheme!r} is not allowed (only {', '.join(allowed)})",
                url=str(url),
            )
        host = url.raw_host
        if not host:
            raise UnsafeURLError(f"refusing {url}: no host", url=str(url))
        if _looks_like_ip(host):
            self.check_ip(host, url=str(url))
        else:
            self.check_name(host, url=str(url))

    def check_name(self, host: str, *, url: str | None = None) -> None:
        if not self.allow_private and _is_local_name(host):
            raise UnsafeURLError(f"refusing {url or host}: {host!r} is a local name", url=url)

    def check_ip(self, address: str, *, host: str | None = None, url: str | None = None) -> None:
        """Refuse `address` (the literal host, or what `host` resolved to)."""
        where = f"{host} resolves to {address}, which" if host else address
        try:
            ip = ipaddress.ip_address(address)
        except ValueError as exc:
            raise UnsafeURLError(f"refusing {url or address}: not a valid IP address", url=url) from exc
        reason = self._reason(ip)
        if reason:
            prefix = f"refusing {url}" if url else "refusing"
            raise UnsafeURLError(f"{prefix}: {where} is {reason}", url=url)

    def _reason(self, ip: IPAddress) -> str | None:
        embedded = _embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
        for network in self.blocked_networks:
            if ip in network or (embedded is not None and embedded in network):
                return f"in the blocked network {network}"
        return None if self.allow_private else unsafe_reason(ip)


class GuardedResolver(AbstractResolver):
    """Resolves a name and refuses it unless EVERY address passes the policy.

    The connector connects to the addresses returned here, so the check and
    the connection use the same lookup.
    """

    def __init__(self, policy: AddressPolicy, lookup: ResolverLookup | None = None) -> None:
        self._policy = policy
        self._lookup = lookup
        self._inner: ThreadedResolver | None = None  # created lazily: it needs a running loop

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[ResolveResult]:
        self._policy.check_name(host)
        results = await self._resolve_unchecked(host, port, family)
        if not results:
            # An OSError, so aiohttp reports it as a DNS failure.
            raise OSError(f"no usable addresses for {host}")
        for result in results:
            self._policy.check_ip(result["host"], host=host)
        return results

    async def _resolve_unchecked(
        self, host: str, port: int, family: socket.AddressFamily
    ) -> list[ResolveResult]:
        if self._lookup is None:
            if self._inner is None:
                self._inner = ThreadedResolver()
            return await self._inner.resolve(host, port, family)
        results: list[ResolveResult] = []
        for address in await self._lookup(host, port):
            found = socket.AF_INET6 if ":" in address else socket.AF_INET
            if family in (socket.AF_UNSPEC, found):
                results.append(
                    ResolveResult(hostname=host, host=address, port=port, family=found, proto=0, flags=0)
                )
        return results

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _same_origin(a: URL, b: URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"timeout ({text})" if isinstance(exc, TimeoutError) else text


class SafeHttpClient:
    """The server's one outbound HTTP client; see the module docstring."""

    def __init__(
        self,
        *,
        allow_private: bool,
        user_agent: str,
        max_body: int = 1024 * 1024,
        total_timeout: float = 15.0,
        connect_timeout: float = 5.0,
        max_redirects: int = 3,
        limit_per_host: int = 8,
        limit: int = 200,
        resolver_lookup: ResolverLookup | None = None,
        extra_blocked_networks: Sequence[str] = (),
    ) -> None:
        blocked = tuple(ipaddress.ip_network(cidr, strict=False) for cidr in extra_blocked_networks)
        self._policy = AddressPolicy(allow_private=allow_private, blocked_networks=blocked)
        self._resolver_lookup = resolver_lookup
        self._user_agent = user_agent
        self._max_body = max_body
        self._total_timeout = total_timeout
        self._connect_timeout = connect_timeout
        self._max_redirects = max_redirects
        self._limit_per_host = limit_per_host
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None
        self._resolver: GuardedResolver | None = None

    async def start(self) -> None:
        if self._session is not None:
            raise RuntimeError("SafeHttpClient already started")
        self._resolver = GuardedResolver(self._policy, self._resolver_lookup)
        connector = aiohttp.TCPConnector(
            resolver=self._resolver,
            ssl=ssl.create_default_context(),  # system trust store; honours SSL_CERT_FILE
            limit=self._limit,
            limit_per_host=self._limit_per_host,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            # The overall deadline is enforced in request(), across all hops.
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self._connect_timeout),
            cookie_jar=aiohttp.DummyCookieJar(),  # server-to-server: no cookie state
            trust_env=False,  # no proxy from the environment: it would bypass the guard
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._resolver is not None:
            await self._resolver.close()
            self._resolver = None

    async def __aenter__(self) -> SafeHttpClient:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        signer: Signer | None = None,
        follow_redirects: bool = True,
        timeout: float | None = None,
        keep_body: int | None = None,
    ) -> HttpResponse:
        """Send a request; HTTP error statuses are returned, not raised.

        `timeout` (seconds, all hops together) may only shorten the client's own; `keep_body` reads that much
        of the answer at most and drops the rest without an error (a delivery only needs the status)."""
        method = method.upper()
        follow = follow_redirects and method in _FOLLOWABLE_METHODS
        out = _Outgoing(method, dict(headers or {}), body, signer, follow, keep_body)
        deadline = min(timeout, self._total_timeout) if timeout is not None else self._total_timeout
        try:
            async with asyncio.timeout(deadline):
                return await self._follow(out, url)
        except TimeoutError as exc:
            raise FetchError(f"{method} {url}: timeout after {deadline}s", url=url) from exc

    async def get_json(
        self,
        url: str,
        *,
        accept: str = AP_ACCEPT,
        signer: Signer | None = None,
        content_types: tuple[str, ...] = AP_CONTENT_TYPES,
    ) -> tuple[str, dict[str, Any]]:
        """GET a JSON object; returns (final URL, document)."""
        resp = await self.request("GET", url, headers={"Accept": accept}, signer=signer)
        where = f"GET {resp.url}" if resp.url == url else f"GET {url} (redirected to {resp.url})"
        if not 200 <= resp.status < 300:
            raise FetchError(f"{where}: HTTP {resp.status}", url=resp.url, status=resp.status)
        media_type = _media_type(resp.headers.get("Content-Type", ""))
        if media_type not in {t.lower() for t in content_types}:
            raise FetchError(
                f"{where}: unexpected Content-Type {media_type or '(none)'!r}, "
                f"expected one of {', '.join(content_types)}",
                url=resp.url,
                status=resp.status,
            )
        try:
            # Bounded and storable, as inbox bodies are: no deep nesting, no NUL.
            document = loads_bounded(resp.body, storable_strings=True)
        except JsonBodyError as exc:
            raise FetchError(f"{where}: {exc}", url=resp.url) from exc
        if not isinstance(document, dict):
            raise FetchError(
                f"{where}: JSON {type(document).__name__} received, expected an object",
                url=resp.url,
            )
        return resp.url, document

    async def _follow(self, out: _Outgoing, url: str) -> HttpResponse:
        """Run the hops of one request; the caller holds the overall deadline."""
        current = self._parse(url)
        final = url  # hand back the caller's own string when nothing redirected
        for _ in range(self._max_redirects + 1):
            outcome = await self._hop(out, current, final)
            if isinstance(outcome, HttpResponse):
                return outcome
            if not _same_origin(current, outcome):
                kept = {k: v for k, v in out.headers.items() if k.lower() not in _ORIGIN_BOUND_HEADERS}
                out = replace(out, headers=kept)
            current, final = outcome, str(outcome)
        raise FetchError(
            f"{out.method} {url}: too many redirects (more than {self._max_redirects}), last {final}",
            url=final,
        )

    async def _hop(self, out: _Outgoing, url: URL, url_text: str) -> HttpResponse | URL:
        """One request: a response, or the next URL when it is a redirect to follow."""
        self._policy.check_url(url)
        headers = self._headers_for(out, url_text)
        try:
            async with self._require_session().request(
                out.method, url, headers=headers, data=out.body, allow_redirects=False
            ) as resp:
                location = resp.headers.get("Location")
                if out.follow and resp.status in _REDIRECT_STATUSES and location:
                    return self._redirect_target(out.method, url, location)
                if out.method == "HEAD":
                    data = b""
                elif out.keep_body is not None:
                    data = await resp.content.read(out.keep_body)  # the rest is never read
                else:
                    data = await self._read_capped(out.method, url_text, resp)
                return HttpResponse(status=resp.status, headers=resp.headers, body=data, url=url_text)
        except UnsafeURLError as exc:
            if exc.url is not None:
                raise
            # Raised by the resolver, which does not know the URL.
            raise UnsafeURLError(f"{out.method} {url_text}: {exc}", url=url_text) from exc
        except aiohttp.ClientError as exc:
            raise FetchError(f"{out.method} {url_text}: {_describe(exc)}", url=url_text) from exc

    def _headers_for(self, out: _Outgoing, url: str) -> dict[str, str]:
        headers = {k: v for k, v in out.headers.items() if k.lower() != "user-agent"}
        headers["User-Agent"] = self._user_agent
        if out.signer is not None:
            # Signed per hop: the signature covers the request target and host.
            headers.update(out.signer(out.method, url, dict(headers), out.body))
        return headers

    def _redirect_target(self, method: str, url: URL, location: str) -> URL:
        try:
            return url.join(URL(location)).with_fragment(None)
        except ValueError as exc:
            raise FetchError(
                f"{method} {url}: invalid redirect Location {location!r}", url=str(url)
            ) from exc

    async def _read_capped(self, method: str, url: str, resp: aiohttp.ClientResponse) -> bytes:
        declared = resp.content_length
        if declared is not None and declared > self._max_body:
            raise self._too_large(method, url, resp, f"Content-Length {declared}")
        buffer = bytearray()
        async for chunk in resp.content.iter_chunked(_READ_CHUNK):
            buffer += chunk
            if len(buffer) > self._max_body:  # stop reading now, not at the end of the stream
                raise self._too_large(method, url, resp, "body")
        return bytes(buffer)

    def _too_large(self, method: str, url: str, resp: aiohttp.ClientResponse, what: str) -> ResponseTooLarge:
        message = f"{method} {url}: {what} exceeds the {self._max_body} byte limit"
        return ResponseTooLarge(message, url=url, status=resp.status)

    def _parse(self, url: str) -> URL:
        try:
            return URL(url)
        except ValueError as exc:
            raise UnsafeURLError(f"refusing {url!r}: not a valid URL ({exc})", url=url) from exc

    def _require_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("SafeHttpClient.start() has not been called")
        return self._session
