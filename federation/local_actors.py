"""Creating local actors (people, pages, the instance actor) and their API tokens."""
from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation.content import render_text
from federation.signatures import generate_rsa_keypair
from federation.urls import INSTANCE_ACTOR_NAME, LocalUrls
from federation.vocab import APPLICATION, GROUP, PERSON, SERVICE
from models.actors import Actor, ApiToken, LocalUser, PageRole

if TYPE_CHECKING:
    from federation.context import FederationContext

NAME_PATTERN = re.compile(r"^[a-z0-9_]{1,30}$")
# Names that would shadow our own routes or confuse people.
RESERVED_NAMES = frozenset({"admin", "root", "api", "inbox", "actor", "moot", "well_known", "about", "settings", "new"})


class LocalActorError(ValueError):
    """The actor cannot be created; the message says why."""


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise LocalActorError(
            f"{name!r} is not a valid name: use 1-30 lowercase letters, digits or underscores"
        )
    if name in RESERVED_NAMES:
        raise LocalActorError(f"{name!r} is reserved; choose another name")
    return name


async def new_local_actor(
    urls: LocalUrls, host: str, actor_type: str, name: str, *, display_name: str | None, summary: str,
    category: str | None = None, profile_fields: list[dict[str, str]] | None = None,
) -> Actor:
    private_pem, public_pem = await asyncio.to_thread(generate_rsa_keypair)
    uri = urls.actor(actor_type, name)
    return await Actor.create(
        uri=uri,
        type=actor_type,
        # Groups have a namespace of their own.
        local_name=None if actor_type == GROUP else name,
        group_name=name if actor_type == GROUP else None,
        is_local=True,
        username=name,
        domain=host,
        display_name=display_name,
        summary=summary,
        category=category,
        inbox=f"{uri}/inbox",
        shared_inbox=urls.shared_inbox(),
        outbox=f"{uri}/outbox",
        followers_url=f"{uri}/followers",
        following_url=f"{uri}/following",
        featured_url=f"{uri}/featured",
        url=_profile_url(urls, actor_type, name, uri),
        profile_fields=profile_fields or [],
        public_key_id=f"{uri}#main-key",
        public_key_pem=public_pem,
        private_key_pem=private_pem,
        published=datetime.now(timezone.utc),
        discoverable=actor_type != APPLICATION,
        indexable=actor_type != APPLICATION,
    )


def _profile_url(urls: LocalUrls, actor_type: str, name: str, uri: str) -> str:
    if actor_type == APPLICATION:
        return urls.base_url
    if actor_type == GROUP:
        return uri  # the same URL serves the group page to browsers
    return urls.profile(name)


async def _ensure_free(name: str) -> None:
    if await Actor.filter(local_name=name).exists():
        raise LocalActorError(f"the name {name!r} is already taken")


async def create_user(
    ctx: "FederationContext", name: str, *, password_hash: str | None, is_admin: bool = False,
    display_name: str | None = None,
) -> Actor:
    check_name(name)
    await _ensure_free(name)
    async with in_transaction():
        actor = await new_local_actor(ctx.urls, ctx.host, PERSON, name, display_name=display_name, summary="")
        await LocalUser.create(actor=actor, password_hash=password_hash, is_admin=is_admin)
    return actor


def description_html(text: str, urls: LocalUrls) -> str:
    """A description people type (a page's, like a user's bio): plain text in, escaped HTML with our own
    links, hashtags and paragraphs out. The text is the source: html_to_text gives it back for editing."""
    text = text.strip()
    return render_text(text, mention_urls={}, tag_url=urls.tag) if text else ""


# The length of Actor.category.
CATEGORY_LENGTH = 100


async def create_page(
    ctx: "FederationContext", name: str, *, owner: Actor, display_name: str | None = None,
    category: str | None = None, summary: str = "", profile_fields: list[dict[str, str]] | None = None,
    manually_approves: bool = False,
) -> Actor:
    """A page owned by `owner`; `summary` is plain text (HTML in it is shown as text, never as markup)."""
    check_name(name)
    if category is not None and len(category) > CATEGORY_LENGTH:
        raise LocalActorError(f"the category can be at most {CATEGORY_LENGTH} characters long")
    if owner.type != PERSON or not owner.is_local:
        raise LocalActorError(f"the owner of a page must be a local user, not {owner.uri}")
    await _ensure_free(name)
    async with in_transaction():
        page = await new_local_actor(
            ctx.urls, ctx.host, SERVICE, name, display_name=display_name,
            summary=description_html(summary, ctx.urls), category=category, profile_fields=profile_fields,
        )
        if manually_approves:
            await Actor.filter(id=page.id).update(manually_approves=True)
            page.manually_approves = True
        await PageRole.create(page=page, user=owner, role="owner")
    return page


async def ensure_instance_actor(ctx: "FederationContext") -> Actor:
    """The Application actor that signs our fetches; created on first start."""
    actor = await Actor.filter(type=APPLICATION, is_local=True).first()
    if actor is None:
        try:
            actor = await new_local_actor(
                ctx.urls, ctx.host, APPLICATION, INSTANCE_ACTOR_NAME, display_name=ctx.instance_name,
                summary="The instance actor of this Moot server.",
            )
        except IntegrityError:
            # Processes started together on a new database (serve and workers) race to create it: one wins.
            actor = await Actor.get(type=APPLICATION, is_local=True)
    return actor


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(actor: Actor, label: str = "") -> str:
    """A new bearer token acting as `actor`; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    await ApiToken.create(token_hash=hash_token(token), actor=actor, label=label)
    return token


async def actor_for_token(token: str) -> Actor | None:
    row = await ApiToken.filter(token_hash=hash_token(token)).prefetch_related("actor").first()
    if row is None or row.actor.deleted_at is not None:
        return None
    # A suspended person's tokens stop working, whenever they were made.
    if await LocalUser.filter(actor_id=row.actor_id, suspended_at__isnull=False).exists():
        return None
    return row.actor


async def can_act_as(user: Actor, actor: Actor) -> bool:
    """A user acts as itself, and as the pages it owns or co-administers."""
    if user.id == actor.id:
        return True
    return await PageRole.filter(page=actor, user=user).exists()


PAGE_OWNER = "owner"
PAGE_ADMIN = "admin"


class PageRoleError(LocalActorError):
    """A change to a page's co-admins is refused; status is the HTTP status a page answers with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


async def set_page_admin(page: Actor, owner: Actor, user: Actor, added: bool) -> None:
    """The page's owner adds a local person as a co-admin (who may then post as the page), or removes one."""
    if page.type != SERVICE or not page.is_local:
        raise PageRoleError("only local pages have co-admins")
    if not await PageRole.filter(page=page, user=owner, role=PAGE_OWNER).exists():
        raise PageRoleError("only the page's owner can change its co-admins", status=403)
    if user.id == owner.id:
        raise PageRoleError("the owner manages the page already")
    if added:
        if user.type != PERSON or not user.is_local or user.deleted_at is not None:
            raise PageRoleError("co-admins are people with an account on this server")
        await PageRole.get_or_create(defaults={"role": PAGE_ADMIN}, page=page, user=user)
    else:
        await PageRole.filter(page=page, user=user, role=PAGE_ADMIN).delete()
