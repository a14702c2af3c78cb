"""Notifications in words, outside a request (mail): the sentence in the person's language, and where it leads."""
from __future__ import annotations

from dataclasses import dataclass
from gettext import NullTranslations
from typing import Any

from federation.notifications import kinds as k
from models.actors import Actor
from models.notifications import Notification
from models.posts import Post


def actor_path(actor: Actor | None) -> str:
    """Where people read an actor: a path here for local actors, else its own page (as web/template_helpers)."""
    if actor is None:
        return ""
    if actor.is_local:
        if actor.type == "Group":
            return f"/groups/{actor.group_name}"
        if actor.type != "Application":
            return f"/@{actor.local_name}"
    return actor.url or actor.uri


def display(actor: Actor | None) -> str:
    if actor is None:
        return ""
    return (actor.display_name or actor.username or actor.local_name or actor.domain).strip()


def target_path(note: Notification, from_actor: Actor | None, post: Post | None, group: Actor | None) -> str:
    """The page a notification leads to."""
    if note.kind == k.JOIN_REQUEST and group is not None and group.is_local:
        return f"/moderation/groups/{group.group_name}"
    if note.kind == k.REPORT:
        return f"/moderation/groups/{group.group_name}" if group is not None else "/moderation/instance"
    if post is not None:
        return f"/threads/{post.id}"
    if group is not None:
        return actor_path(group)
    return actor_path(from_actor)


@dataclass
class Told:
    """One notification ready to be put in words."""

    note: Notification
    from_actor: Actor | None
    post: Post | None
    group: Actor | None

    def variables(self) -> dict[str, str]:
        return {"actor": display(self.from_actor) or "?", "group": display(self.group) or "?",
                "event": str((self.note.extra or {}).get("title") or (self.post.name if self.post else "") or "")}

    def sentence(self, translations: NullTranslations) -> str:
        return translations.gettext(k.SENTENCES[self.note.kind]) % self.variables()

    @property
    def reason(self) -> str:
        return str((self.note.extra or {}).get("reason") or "")

    def link(self, base_url: str) -> str:
        path = target_path(self.note, self.from_actor, self.post, self.group)
        return base_url + path if path.startswith("/") else path


async def told(notes: list[Notification]) -> list[Told]:
    """The notifications with their actors, posts and groups (one query each)."""
    actor_ids = {n.from_actor_id for n in notes if n.from_actor_id} | {n.group_id for n in notes if n.group_id}
    actors = {a.id: a for a in await Actor.filter(id__in=list(actor_ids))} if actor_ids else {}
    post_ids = {n.post_id for n in notes if n.post_id}
    posts = {p.id: p for p in await Post.filter(id__in=list(post_ids))} if post_ids else {}
    return [Told(n, actors.get(n.from_actor_id) if n.from_actor_id else None,
                 posts.get(n.post_id) if n.post_id else None, actors.get(n.group_id) if n.group_id else None)
            for n in notes]


def catalogue(translations: dict[str, Any], locale: str | None) -> NullTranslations:
    return translations.get(locale or "") or translations.get("en") or NullTranslations()
