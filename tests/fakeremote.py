"""A small ActivityPub server on loopback that signs and verifies like Mastodon.

It signs what it sends with httpsig (an implementation independent of Moot's), and verifies every
delivery it receives the same way, fetching the sender's key from the sender as a real server would.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from httpsig import HeaderSigner, HeaderVerifier

from federation.signatures import generate_rsa_keypair

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"


@dataclass
class FakeActor:
    name: str
    uri: str
    private_pem: str
    public_pem: str
    base_url: str
    type: str = "Person"
    # Extra fields for the actor document (e.g. a Group's attributedTo).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key_id(self) -> str:
        return f"{self.uri}#main-key"

    @property
    def inbox(self) -> str:
        return f"{self.uri}/inbox"

    @property
    def followers(self) -> str:
        return f"{self.uri}/followers"

    def document(self) -> dict[str, Any]:
        return {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": self.uri,
            "type": self.type,
            "preferredUsername": self.name,
            "name": self.name.title(),
            "summary": "<p>I live on a fake server.</p>",
            "inbox": self.inbox,
            "outbox": f"{self.uri}/outbox",
            "followers": self.followers,
            "following": f"{self.uri}/following",
            "url": f"{self.base_url}/@{self.name}",
            "manuallyApprovesFollowers": False,
            "endpoints": {"sharedInbox": f"{self.base_url}/inbox"},
            "publicKey": {"id": self.key_id, "owner": self.uri, "publicKeyPem": self.public_pem},
            **self.extra,
        }

    def new_id(self, kind: str = "activities") -> str:
        return f"{self.base_url}/{kind}/{uuid.uuid4().hex}"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    verified: bool
    key_id: str | None


@dataclass
class FakeRemote:
    server: TestServer | None = None
    actors: dict[str, FakeActor] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    # Every GET path served, to show what Moot fetched (or did not), and the keyId that signed each.
    fetched: list[str] = field(default_factory=list)
    fetch_signers: list[str | None] = field(default_factory=list)
    # Status the inboxes answer with, and extra headers (e.g. Retry-After); None means 202.
    inbox_status: int | None = None
    inbox_headers: dict[str, str] = field(default_factory=dict)
    # When set, inboxes answer only once this event is set (a slow server); `arrived` is set on every delivery.
    inbox_gate: asyncio.Event | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    session: aiohttp.ClientSession | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def host(self) -> str:
        return self.base_url.split("://", 1)[1]

    async def start(self) -> "FakeRemote":
        app = web.Application(middlewares=[self._log_gets])
        app.router.add_get("/.well-known/webfinger", self._webfinger)
        app.router.add_get("/users/{name}", self._actor)
        app.router.add_post("/users/{name}/inbox", self._inbox)
        app.router.add_post("/inbox", self._inbox)
        app.router.add_get("/{path:.+}", self._object)  # anything published with publish()
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        self.session = aiohttp.ClientSession()
        return self

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        if self.server is not None:
            await self.server.close()

    def add_actor(self, name: str, actor_type: str = "Person") -> FakeActor:
        private_pem, public_pem = generate_rsa_keypair()
        actor = FakeActor(name, f"{self.base_url}/users/{name}", private_pem, public_pem, self.base_url, actor_type)
        self.actors[name] = actor
        return actor

    def publish(self, doc: dict[str, Any]) -> None:
        """Serve `doc` at its id (which must be on this server)."""
        self.objects[doc["id"]] = doc

    # --- sending ---------------------------------------------------------------------------

    def signed_headers(
        self, actor: FakeActor, url: str, body: bytes, *, date: datetime | None = None,
        key_id: str | None = None, private_pem: str | None = None, digest_body: bytes | None = None,
    ) -> dict[str, str]:
        parts = url.split("/", 3)
        host, path = parts[2], "/" + (parts[3] if len(parts) > 3 else "")
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(digest_body if digest_body is not None else body).digest()).decode()
        headers = {
            "Host": host,
            "Date": format_datetime(date or datetime.now(timezone.utc), usegmt=True),
            "Digest": digest,
            "Content-Type": "application/activity+json",
        }
        signer = HeaderSigner(
            key_id or actor.key_id, private_pem or actor.private_pem, algorithm="rsa-sha256",
            headers=["(request-target)", "host", "date", "digest"], sign_header="signature",
        )
        return dict(signer.sign(headers, method="POST", path=path))

    async def send(
        self, actor: FakeActor, url: str, activity: dict[str, Any] | bytes, *, headers: dict[str, str] | None = None,
        **sign_options: Any,
    ) -> tuple[int, dict[str, Any]]:
        """POST an activity signed as `actor`; returns (status, JSON body)."""
        assert self.session is not None
        body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        sent = headers if headers is not None else self.signed_headers(actor, url, body, **sign_options)
        async with self.session.post(url, data=body, headers=sent) as response:
            try:
                payload = await response.json(content_type=None)
            except (json.JSONDecodeError, aiohttp.ContentTypeError):
                payload = {"text": await response.text()}
            return response.status, payload

    # --- serving ---------------------------------------------------------------------------

    @web.middleware
    async def _log_gets(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.method == "GET":
            self.fetched.append(request.path_qs)
            self.fetch_signers.append(_key_id(request.headers.get("Signature", "")))
        return await handler(request)

    async def _webfinger(self, request: web.Request) -> web.Response:
        resource = request.query.get("resource", "")
        name = resource.removeprefix("acct:").split("@", 1)[0]
        actor = self.actors.get(name)
        if actor is None:
            raise web.HTTPNotFound()
        return web.json_response(
            {"subject": resource, "links": [{"rel": "self", "type": "application/activity+json", "href": actor.uri}]},
            content_type="application/jrd+json",
        )

    async def _actor(self, request: web.Request) -> web.Response:
        actor = self.actors.get(request.match_info["name"])
        if actor is None:
            raise web.HTTPNotFound()
        return web.json_response(actor.document(), content_type="application/activity+json")

    async def _object(self, request: web.Request) -> web.Response:
        doc = self.objects.get(f"{self.base_url}{request.path}")
        if doc is None:
            raise web.HTTPNotFound()
        return web.json_response(doc, content_type="application/activity+json")

    async def _inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = dict(request.headers)
        verified, key_id = await self._verify(request, body)
        self.received.append(Received(request.path, headers, json.loads(body), verified, key_id))
        self.arrived.set()
        if self.inbox_gate is not None:
            await self.inbox_gate.wait()
        status = self.inbox_status or 202
        return web.Response(status=status, headers=self.inbox_headers)

    async def _verify(self, request: web.Request, body: bytes) -> tuple[bool, str | None]:
        """Verify like Mastodon: the digest matches, and the signature verifies with the key fetched by keyId."""
        key_id = _key_id(request.headers.get("Signature", ""))
        expected = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        if key_id is None or request.headers.get("Digest") != expected:
            return False, key_id
        assert self.session is not None
        async with self.session.get(key_id.split("#")[0], headers={"Accept": "application/activity+json"}) as response:
            doc = await response.json(content_type=None)
        key = doc.get("publicKey", {})
        if key.get("id") != key_id or key.get("owner") != doc.get("id"):
            return False, key_id
        verifier = HeaderVerifier(
            headers=dict(request.headers), secret=key["publicKeyPem"], method="POST", path=request.path_qs,
            sign_header="signature", required_headers=["(request-target)", "host", "date", "digest"],
        )
        return bool(verifier.verify()), key_id

    def activities(self, activity_type: str | None = None) -> list[dict[str, Any]]:
        return [r.body for r in self.received if activity_type is None or r.body.get("type") == activity_type]

    # --- authorized fetch (appended) ---------------------------------------------------------

    async def get_signed(self, actor: FakeActor | None, url: str) -> tuple[int, Any]:
        """GET `url` as a Mastodon server with authorized fetch does: signed by `actor` with httpsig over
        (request-target) host date accept; unsigned when `actor` is None. Returns (status, JSON or text)."""
        assert self.session is not None
        parts = url.split("/", 3)
        host, path = parts[2], "/" + (parts[3] if len(parts) > 3 else "")
        headers = {
            "Host": host,
            "Date": format_datetime(datetime.now(timezone.utc), usegmt=True),
            "Accept": "application/activity+json",
        }
        if actor is not None:
            signer = HeaderSigner(
                actor.key_id, actor.private_pem, algorithm="rsa-sha256",
                headers=["(request-target)", "host", "date", "accept"], sign_header="signature",
            )
            headers = dict(signer.sign(headers, method="GET", path=path))
        async with self.session.get(url, headers=headers) as response:
            if "json" in response.content_type:
                return response.status, await response.json(content_type=None)
            return response.status, await response.text()


def _key_id(signature: str) -> str | None:
    params = dict(part.split("=", 1) for part in signature.split(",") if "=" in part)
    return params.get("keyId", "").strip('"') or None
