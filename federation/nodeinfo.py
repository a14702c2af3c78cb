"""NodeInfo 2.0 and 2.1 (with the instance actor linked, FEP-2677)."""
from __future__ import annotations

from typing import Any

from models.actors import Actor, LocalUser
from models.posts import Post

SCHEMAS = {"2.0": "http://nodeinfo.diaspora.software/ns/schema/2.0", "2.1": "http://nodeinfo.diaspora.software/ns/schema/2.1"}


def render_discovery(base_url: str, instance_actor_uri: str) -> dict[str, Any]:
    links = [{"rel": schema, "href": f"{base_url}/nodeinfo/{version}"} for version, schema in SCHEMAS.items()]
    links.append({"rel": "https://www.w3.org/ns/activitystreams#Application", "href": instance_actor_uri})
    return {"links": links}


async def usage() -> dict[str, Any]:
    users = await LocalUser.all().count()
    posts = await Post.filter(is_local=True, deleted_at=None, in_reply_to_uri=None).count()
    comments = await Post.filter(is_local=True, deleted_at=None, in_reply_to_uri__isnull=False).count()
    pages = await Actor.filter(is_local=True, type="Service", deleted_at=None).count()
    return {
        "users": {"total": users, "activeMonth": users, "activeHalfyear": users},
        "localPosts": posts,
        "localComments": comments,
        "pages": pages,
    }


def render_nodeinfo(version: str, software_version: str, name: str, description: str, stats: dict[str, Any],
                    repository: str | None = None) -> dict[str, Any]:
    software: dict[str, Any] = {"name": "moot", "version": software_version}
    if repository and version != "2.0":  # software.repository is NodeInfo 2.1's
        software["repository"] = repository
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {"users": stats["users"], "localPosts": stats["localPosts"], "localComments": stats["localComments"]},
        "metadata": {"nodeName": name, "nodeDescription": description, "pages": stats["pages"]},
    }
