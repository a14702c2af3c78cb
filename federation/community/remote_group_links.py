"""Remembering what a remote Group actor says of Moot's group extension (`parentGroup`, `subgroups`, `essentials`;
docs/federation.md "Sub-groups" and "Essentials") when its actor document is stored (federation/resolve.py).

Only links on the group's own server are kept: a Moot group's parent, sub-groups and essentials live beside it,
and a document cannot make this server fetch elsewhere in its name. The collections themselves are read when
someone looks at the group (federation/community/remote_groups.py).
"""
from __future__ import annotations

from federation.protocol.actor import ActorDoc
from federation.protocol.common import host_of
from models.actors import Actor
from models.remote_groups import RemoteGroupLinks


def _same_host(url: str | None, group_uri: str) -> str | None:
    return url if url and host_of(url) == host_of(group_uri) else None


async def remember_links(actor: Actor, doc: ActorDoc) -> None:
    """Store (or clear) the group's links; the cached collections are refetched when a link changed."""
    if actor.is_local or doc.type != "Group":
        return
    links = {"parent_uri": _same_host(doc.parent_group, doc.id), "subgroups_url": _same_host(doc.subgroups, doc.id),
             "essentials_url": _same_host(doc.essentials, doc.id)}
    if links["parent_uri"] == doc.id:
        links["parent_uri"] = None  # a group is not its own parent
    row = await RemoteGroupLinks.filter(group_id=actor.id).first()
    if row is None:
        if any(links.values()):
            await RemoteGroupLinks.create(group_id=actor.id, **links)
        return
    if all(getattr(row, key) == value for key, value in links.items()):
        return
    stale = row.subgroups_url != links["subgroups_url"] or row.essentials_url != links["essentials_url"]
    await RemoteGroupLinks.filter(id=row.id).update(**links, **({"fetched_at": None} if stale else {}))
