"""Creating and editing local groups; the group federates its own Update."""
from __future__ import annotations

import html
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Mapping

from tortoise.transactions import in_transaction

from federation import render
from federation.community.subgroups_access import parent_uri
from federation.content import render_text
from federation.local_actors import LocalActorError, check_name, new_local_actor
from federation.outbox import publish
from federation.vocab import GROUP, PERSON, PUBLIC
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.groups import NON_MEMBER_POLICIES, OWNER, ACCEPT, REJECT, GroupProfile, GroupRole

if TYPE_CHECKING:
    from federation.context import FederationContext


@dataclass(frozen=True)
class GroupSettings:
    display_name: str | None = None
    description: str = ""
    rules: str = ""
    private: bool = False
    restricted_posting: bool = False
    # None: accept for public groups, reject for private ones.
    non_member_posts: str | None = None
    discoverable: bool = True


def rule_lines(rules: str) -> list[str]:
    """The rules, one a line, without the bullets or numbers people type."""
    return [line.strip().lstrip("-*0123456789. ").strip() for line in rules.splitlines() if line.strip()]


def summary_html(description: str, rules: str) -> str:
    """The actor's summary: the description, then the rules as a numbered list."""
    parts = [render_text(description, mention_urls={}, tag_url=lambda tag: "#")] if description.strip() else []
    lines = rule_lines(rules)
    if lines:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        parts.append(f"<h3>Rules</h3><ol>{items}</ol>")
    return "".join(parts)


def _policy(settings: GroupSettings) -> str:
    policy = settings.non_member_posts or (REJECT if settings.private else ACCEPT)
    if policy not in NON_MEMBER_POLICIES:
        raise LocalActorError(f"non-member posts must be one of {', '.join(NON_MEMBER_POLICIES)}, not {policy!r}")
    return policy


async def create_group(ctx: "FederationContext", name: str, owner: Actor, settings: GroupSettings) -> Actor:
    check_name(name)
    if owner.type != PERSON or not owner.is_local:
        raise LocalActorError(f"the owner of a group must be a local user, not {owner.uri}")
    if await Actor.filter(group_name=name).exists():
        raise LocalActorError(f"a group named {name!r} already exists")
    policy = _policy(settings)
    async with in_transaction():
        group = await new_local_actor(
            ctx.urls, ctx.host, GROUP, name, display_name=settings.display_name,
            summary=summary_html(settings.description, settings.rules),
        )
        group.manually_approves = settings.private
        group.posting_restricted_to_mods = settings.restricted_posting
        group.discoverable = settings.discoverable and not settings.private
        group.indexable = group.discoverable
        group.moderators_url = f"{group.uri}/moderators"
        await group.save()
        await GroupProfile.create(
            group=group, description=settings.description, rules=settings.rules, is_private=settings.private,
            posting_restricted_to_mods=settings.restricted_posting, non_member_posts=policy,
        )
        await GroupRole.create(group=group, actor=owner, role=OWNER)
        await Follow.create(follower=owner, target=group, state=ACCEPTED, activity_uri=ctx.urls.new_activity())
    return group


async def current_settings(group: Actor) -> GroupSettings:
    profile = await GroupProfile.get(group=group)
    return GroupSettings(
        display_name=group.display_name, description=profile.description, rules=profile.rules,
        private=profile.is_private, restricted_posting=profile.posting_restricted_to_mods,
        non_member_posts=profile.non_member_posts, discoverable=group.discoverable,
    )


# The group's pictures, set through update_group(media=...): its avatar (icon) and banner (image).
MEDIA_FIELDS = ("icon_url", "image_url")


async def update_group(ctx: "FederationContext", group: Actor, *, media: Mapping[str, str | None] | None = None,
                       **changes: object) -> Actor:
    """Change settings and pictures (`media`: {"icon_url" | "image_url": a URL, or None to remove}), then
    federate Update{Group} with the Group itself as the actor: the document carries the icon and image."""
    known = {f.name for f in fields(GroupSettings)}
    unknown = (set(changes) - known) | (set(media or {}) - set(MEDIA_FIELDS))
    if unknown:
        raise LocalActorError(f"unknown group settings: {', '.join(sorted(unknown))}")
    settings = replace(await current_settings(group), **changes)  # type: ignore[arg-type]
    policy = _policy(settings)
    async with in_transaction():
        group.display_name = settings.display_name
        group.summary = summary_html(settings.description, settings.rules)
        group.manually_approves = settings.private
        group.posting_restricted_to_mods = settings.restricted_posting
        group.discoverable = settings.discoverable and not settings.private
        group.indexable = group.discoverable
        for attribute, url in (media or {}).items():
            setattr(group, attribute, url)
        await group.save()
        await GroupProfile.filter(group=group).update(
            description=settings.description, rules=settings.rules, is_private=settings.private,
            posting_restricted_to_mods=settings.restricted_posting, non_member_posts=policy,
        )
        doc = render.strip_context(render.render_actor(group, ctx.urls, parent_group=await parent_uri(group)))
        update = render.activity(
            ctx.urls.new_activity(), "Update", group.uri, doc,
            to=[PUBLIC] if not settings.private else [group.followers_url or ""],
            cc=[group.followers_url or ""] if not settings.private else [],
        )
        await publish(group, update, to_followers=True, public=not settings.private)
    ctx.wake()
    return group
