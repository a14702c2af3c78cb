"""WebFinger (RFC 7033) and host-meta documents for local actors."""
from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

from models.actors import Actor


def parse_resource(resource: str, host: str, base_url: str) -> tuple[str, str | None] | None:
    """(name, kind) a WebFinger resource asks for, or None.

    kind is None for acct: (people, pages and groups share the lookup), or the URL path
    ("users", "pages", "groups") when the resource is an actor or profile URL.
    """
    if resource.startswith("acct:"):
        name, _, domain = resource[5:].lstrip("@!").partition("@")
        return (name.lower(), None) if domain.lower() == host and name else None
    if resource.startswith(base_url + "/"):
        tail = resource[len(base_url) + 1 :]
        for prefix, kind in (("users/", "users"), ("pages/", "pages"), ("groups/", "groups"), ("@", None)):
            if tail.startswith(prefix) and "/" not in tail[len(prefix) :]:
                return tail[len(prefix) :].lower(), kind
    return None


def render_webfinger(actors: list[Actor], base_url: str) -> dict[str, Any]:
    """One subject, a self link per actor with that name (a user or page first, then a group).

    Every self link's href equals an actor id, which Mastodon checks on the way back; it takes the
    first. Lemmy and Mbin take the link whose type they look for, as the properties say.
    """
    first = actors[0]
    links: list[dict[str, Any]] = []
    for actor in actors:
        links.append(
            {"rel": "self", "type": "application/activity+json", "href": actor.uri,
             "properties": {"https://www.w3.org/ns/activitystreams#type": actor.type}}
        )
    links += [
        {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": first.url or first.uri},
        {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": f"{base_url}/authorize_interaction?uri={{uri}}"},
    ]
    aliases = [alias for actor in actors for alias in dict.fromkeys((actor.url, actor.uri)) if alias]
    return {"subject": f"acct:{first.username}@{first.domain}", "aliases": list(dict.fromkeys(aliases)), "links": links}


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
