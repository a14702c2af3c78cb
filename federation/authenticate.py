"""Turning a verified HTTP signature into the actor who signed: for inboxes and for signed fetches."""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from federation.http import FetchError
from federation.keys import CachedKey
from federation.protocol.common import ProtocolError
from federation.resolve import get_actor, lookup_key, refresh_key
from federation.signatures import ParsedSignature, SignatureError, parse_request_signature, verify_signature
from models.actors import Actor

if TYPE_CHECKING:
    from federation.context import FederationContext


class AuthError(Exception):
    """The request is not authenticated; reason says why (it is sent back to the caller)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeyUnavailable(AuthError):
    """The signing key could not be had from its origin."""


async def signing_key(ctx: "FederationContext", signature: ParsedSignature) -> CachedKey:
    try:
        return await lookup_key(ctx, signature.key_id)
    except (FetchError, ProtocolError) as exc:
        raise KeyUnavailable(f"could not get key {signature.key_id}: {exc}") from None


async def verify_with_rotation(ctx: "FederationContext", signature: ParsedSignature, key: CachedKey) -> CachedKey:
    """Verify; on failure refetch the key once (the remote may have rotated it) and verify again."""
    if verify_signature(signature, key.pem):
        return key
    try:
        fresh = await refresh_key(ctx, key)
    except (FetchError, ProtocolError) as exc:
        raise AuthError(f"signature does not verify, and refetching key {key.key_id} failed: {exc}") from None
    if fresh is None or not verify_signature(signature, fresh.pem):
        raise AuthError(f"signature does not verify with key {key.key_id}")
    return fresh


async def signed_fetcher(
    ctx: "FederationContext", *, method: str, path: str, query_string: str, headers: Mapping[str, str]
) -> Actor | None:
    """The actor who signed a GET, None for an unsigned one; a bad signature raises AuthError."""
    if "Signature" not in headers and "Signature-Input" not in headers:
        return None
    try:
        signature = parse_request_signature(
            method=method, path=path, query_string=query_string, headers=headers, body=None
        )
    except SignatureError as exc:
        raise AuthError(f"signature rejected: {exc}") from None
    key = await verify_with_rotation(ctx, signature, await signing_key(ctx, signature))
    return await get_actor(ctx, key.owner_uri)
