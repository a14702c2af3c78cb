"""The inbox accepts RFC 9421 signatures (Mastodon 4.5+ sends them), signed by an independent library."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from federation.signatures import load_private_key
from models.queues import InboxItem
from tests.conftest import MootInstance
from tests.fakeremote import AS, FakeRemote


@dataclass
class Message:
    method: str
    url: str
    headers: dict[str, str]


def rfc9421_headers(
    key_id: str, private_pem: str, url: str, body: bytes,
    covered: tuple[str, ...] = ("@method", "@target-uri", "content-type", "content-digest"),
) -> dict[str, str]:
    host = url.split("/", 3)[2]
    message = Message("POST", url, {"Host": host, "Content-Type": "application/activity+json"})
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.RSA_V1_5_SHA256,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={key_id: load_private_key(private_pem)}),
    )
    signer.sign(message, key_id=key_id, created=datetime.now(timezone.utc),
                covered_component_ids=covered,
                body=body, label="sig1")
    return message.headers


async def test_rfc9421_signed_follow_is_accepted(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    owner, _ = await moot.user("owner")
    page, _ = await moot.page("news", owner)
    activity = {"@context": AS, "id": alice.new_id(), "type": "Follow", "actor": alice.uri, "object": page.uri}
    body = json.dumps(activity).encode()
    headers = rfc9421_headers(alice.key_id, alice.private_pem, page.inbox, body)
    assert "Signature-Input" in headers and "Content-Digest" in headers
    status, reply = await remote.send(alice, page.inbox, body, headers=headers)
    assert status == 202, reply
    assert await InboxItem.filter(activity_id=activity["id"]).exists()

    tampered = body.replace(b"Follow", b"Flolow")
    status, reply = await remote.send(alice, page.inbox, tampered, headers=headers)
    assert status == 401


async def test_a_signature_not_bound_to_this_host_is_refused(moot: MootInstance, remote: FakeRemote) -> None:
    """A delivery signed for another server (covering @method @path content-digest only) cannot be replayed here."""
    alice = remote.add_actor("alice")
    owner, _ = await moot.user("owner")
    page, _ = await moot.page("news", owner)
    activity = {"@context": AS, "id": alice.new_id(), "type": "Follow", "actor": alice.uri, "object": page.uri}
    body = json.dumps(activity).encode()
    path = page.inbox.removeprefix(moot.base_url)
    captured = rfc9421_headers(alice.key_id, alice.private_pem, "https://elsewhere.example" + path, body,
                               covered=("@method", "@path", "content-digest"))
    replayed = {**captured, "Host": page.inbox.split("/", 3)[2]}
    status, reply = await remote.send(alice, page.inbox, body, headers=replayed)
    assert status == 401 and "must cover @authority or @target-uri" in str(reply)
    moot.use()
    assert not await InboxItem.filter(activity_id=activity["id"]).exists()
    # The same delivery signed for this host with @authority is accepted.
    headers = rfc9421_headers(alice.key_id, alice.private_pem, page.inbox, body,
                              covered=("@method", "@authority", "@path", "content-digest"))
    status, reply = await remote.send(alice, page.inbox, body, headers=headers)
    assert status == 202, reply
    assert await InboxItem.filter(activity_id=activity["id"]).exists()
