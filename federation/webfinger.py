"""WebFinger (RFC 7033) and host-meta documents for local actors."""
from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

from models.actors import Actor


def parse_resource(resource: str, host: str, base_url: str) -> str | None:
    """The local name a WebFinger resource asks for (acct:name@host or an actor/profile URL), or None."""
    if resource.startswith("acct:"):
        name, _, domain = resource[5:].lstrip("@").partition("@")
        return name.lower() if domain.lower() == host and name else None
    if resource.startswith(base_url + "/"):
        tail = resource[len(base_url) + 1 :]
        for prefix in ("users/", "pages/", "@"):
            if tail.startswith(prefix) and "/" not in tail[len(prefix) :]:
                return tail[len(prefix) :].lower()
        if tail == "actor":
            return None
    return None


def render_webfinger(actor: Actor, base_url: str) -> dict[str, Any]:
    """The self link's href equals the actor id, which Mastodon checks on the way back."""
    links: list[dict[str, Any]] = [
        {"rel": "self", "type": "application/activity+json", "href": actor.uri},
        {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor.url or actor.uri},
        {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": f"{base_url}/authorize_interaction?uri={{uri}}"},
    ]
    return {
        "subject": f"acct:{actor.username}@{actor.domain}",
        "aliases": [alias for alias in (actor.url, actor.uri) if alias],
        "links": links,
    }


def render_instance_webfinger(actor: Actor, host: str, base_url: str) -> dict[str, Any]:
    """FEP-d556: WebFinger on the server URL itself names the instance (Application) actor."""
    return {
        "subject": base_url,
        "aliases": [actor.uri, f"acct:{actor.username}@{host}"],
        "links": [{"rel": "self", "type": "application/activity+json", "href": actor.uri}],
    }


def render_host_meta(base_url: str) -> str:
    template = quoteattr(f"{base_url}/.well-known/webfinger?resource={{uri}}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/xrd+xml" template={template}/>\n'
        "</XRD>\n"
    )
