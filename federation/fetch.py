"""Fetching remote ActivityPub documents, signed by the instance actor, with the id check."""
from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urlsplit

from federation.http import FetchError, Signer
from federation.signatures import sign_request

if TYPE_CHECKING:
    from federation.context import FederationContext


def instance_signer(ctx: "FederationContext") -> Signer | None:
    """Signs GETs with the instance actor's key (authorized-fetch servers require it)."""
    actor = ctx.instance_actor
    if actor is None or not actor.private_key_pem or not actor.public_key_id:
        return None
    key_id, pem = actor.public_key_id, actor.private_key_pem

    def sign(method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        return sign_request(
            method=method, url=url, key_id=key_id, private_key_pem=pem, body=body, accept=headers.get("Accept")
        )

    return sign


async def refuse_suspended(ctx: "FederationContext", url: str) -> None:
    """Nothing is fetched from a suspended domain (or, in allowlist mode, an unlisted one)."""
    await ctx.policies.refresh()
    host = urlsplit(url).netloc
    if ctx.policies.domain(host).suspended:
        raise FetchError(f"not fetching {url}: {host} is suspended on this server", url=url)


async def fetch_object(ctx: "FederationContext", url: str) -> dict:
    """GET an ActivityPub document whose id must equal the URL finally fetched.

    When the id differs (a redirect or an alias), the document is fetched again by its own id and
    must match there: a server can only vouch for ids on its own URLs (CVE-2024-23832).
    """
    url = urldefrag(url).url
    await refuse_suspended(ctx, url)
    final_url, doc = await ctx.http.get_json(url, signer=instance_signer(ctx))
    doc_id = doc.get("id")
    if doc_id == final_url:
        return doc
    if not isinstance(doc_id, str) or not doc_id:
        raise FetchError(f"document fetched from {final_url} has no id")
    await refuse_suspended(ctx, doc_id)
    refetched_url, refetched = await ctx.http.get_json(doc_id, signer=instance_signer(ctx))
    if refetched.get("id") != refetched_url:
        raise FetchError(
            f"document fetched from {final_url} claims id {doc_id}, and that URL answers with id {refetched.get('id')!r}"
        )
    return refetched
