"""Local accounts for the web: registration in three modes, invitations, sign-in checks."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation import modlog
from federation.instance_settings import get_setting, put_setting
from federation.local_actors import LocalActorError, check_name, create_user
from models.accounts import (
    APPROVAL, APPROVED, INVITE, PENDING, REGISTRATION_MODES, REJECTED, Invite, RegistrationRequest, WebSession,
)
from models.actors import Actor, ApiToken, LocalUser, PageRole
from web.i18n import N_
from web.passwords import check_password, hash_password, waste_time_like_a_check

if TYPE_CHECKING:
    from federation.context import FederationContext

REGISTRATION_MODE = "registration_mode"
DEFAULT_REGISTRATION_MODE = APPROVAL


class AccountError(ValueError):
    """Shown to the person on the form; the message says what to change."""


@dataclass(frozen=True)
class Registration:
    user: Actor | None  # signed up and ready to sign in
    pending: bool  # waiting for an admin


async def registration_mode() -> str:
    mode = await get_setting(REGISTRATION_MODE, DEFAULT_REGISTRATION_MODE)
    return mode if mode in REGISTRATION_MODES else DEFAULT_REGISTRATION_MODE


async def set_registration_mode(admin: Actor, mode: str, *, reason: str = "") -> None:
    if mode not in REGISTRATION_MODES:
        raise AccountError(f"registration mode must be one of {', '.join(REGISTRATION_MODES)}")
    await put_setting(REGISTRATION_MODE, mode)
    await modlog.record("instance.registration_mode", moderator=admin, target=mode, reason=reason, public=False)


async def has_admin() -> bool:
    return await LocalUser.filter(is_admin=True).exists()


def checked_password_hash(password: str, confirm: str) -> str:
    if password != confirm:
        raise AccountError(N_("The two passwords differ."))
    try:
        return hash_password(password)
    except ValueError as exc:
        raise AccountError(str(exc).capitalize() + ".") from None


async def free_name(name: str) -> str:
    name = name.strip().lower()
    try:
        check_name(name)
    except LocalActorError as exc:
        raise AccountError(str(exc)) from None
    if await Actor.filter(local_name=name).exists() or await RegistrationRequest.filter(username=name, state=PENDING).exists():
        raise AccountError(f"The name {name!r} is taken.")
    return name


async def create_first_admin(ctx: "FederationContext", name: str, password: str, confirm: str) -> Actor:
    if await has_admin():
        raise AccountError(N_("This server already has an admin."))
    name = await free_name(name)
    return await create_user(ctx, name, password_hash=checked_password_hash(password, confirm), is_admin=True)


async def register(
    ctx: "FederationContext", name: str, password: str, confirm: str, *, email: str = "", reason: str = "",
    invite_code: str = "",
) -> Registration:
    mode = await registration_mode()
    name = await free_name(name)
    password_hash = checked_password_hash(password, confirm)
    if mode == APPROVAL and not invite_code:
        if not reason.strip():
            raise AccountError(N_("Tell the admins a little about why you want to join."))
        await RegistrationRequest.create(username=name, email=email or None, reason=reason.strip()[:2000],
                                         password_hash=password_hash)
        return Registration(user=None, pending=True)
    if mode == INVITE or invite_code:
        async with in_transaction():
            await _redeem(invite_code)
            user = await create_user(ctx, name, password_hash=password_hash)
        return Registration(user=user, pending=False)
    user = await create_user(ctx, name, password_hash=password_hash)
    return Registration(user=user, pending=False)


async def _redeem(code: str) -> None:
    invite = await Invite.filter(code=code).select_for_update().first() if code else None
    now = datetime.now(timezone.utc)
    if invite is None:
        raise AccountError(N_("This server takes new members by invitation; this invitation is not valid."))
    if invite.expires_at is not None and invite.expires_at < now:
        raise AccountError(N_("This invitation has expired. Ask for a new one."))
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        raise AccountError(N_("This invitation has been used up. Ask for a new one."))
    await Invite.filter(id=invite.id).update(uses=invite.uses + 1)


async def valid_invite(code: str) -> bool:
    invite = await Invite.filter(code=code).first()
    now = datetime.now(timezone.utc)
    return invite is not None and (invite.expires_at is None or invite.expires_at > now) and (
        invite.max_uses is None or invite.uses < invite.max_uses)


async def create_invite(admin: Actor, *, expires_at: datetime | None, max_uses: int | None) -> Invite:
    invite = await Invite.create(code=secrets.token_urlsafe(12), created_by=admin, expires_at=expires_at,
                                 max_uses=max_uses)
    await modlog.record("invite.created", moderator=admin, target=f"invite {invite.id}", public=False)
    return invite


async def decide_registration(
    ctx: "FederationContext", admin: Actor, request_id: int, approve: bool, *, reason: str = "",
) -> Actor | None:
    pending = await RegistrationRequest.filter(id=request_id, state=PENDING).first()
    if pending is None:
        raise AccountError(N_("That request was already decided."))
    now = datetime.now(timezone.utc)
    user = None
    async with in_transaction():
        if approve:
            user = await create_user(ctx, pending.username, password_hash=pending.password_hash)
            if pending.email:
                await LocalUser.filter(actor=user).update(email=pending.email)
        await RegistrationRequest.filter(id=pending.id).update(state=APPROVED if approve else REJECTED, decided_at=now)
        await modlog.record("registration.approved" if approve else "registration.rejected", moderator=admin,
                            target=pending.username, reason=reason, public=False)
    return user


async def authenticate(name: str, password: str) -> Actor | None:
    """The account for a name and password, or None (the same answer whatever was wrong)."""
    account = await LocalUser.filter(actor__local_name=name.strip().lower()).prefetch_related("actor").first()
    if account is None or account.suspended_at is not None or account.deletion_requested_at is not None:
        waste_time_like_a_check(password)  # the same work either way, so timing tells nothing
        return None
    return account.actor if check_password(account.password_hash, password) else None



# --- admins acting on accounts ----------------------------------------------------------------


async def _local_account(admin: Actor, user: Actor) -> LocalUser:
    if admin.id == user.id:
        raise AccountError(N_("Admins cannot do this to their own account."))
    account = await LocalUser.filter(actor=user).first()
    if account is None:
        raise AccountError(N_("That is not a local account."))
    return account


async def suspend_user(admin: Actor, user: Actor, *, reason: str = "") -> None:
    """Suspend an account: it cannot sign in, and its browser sessions and API tokens stop working at once,
    with the tokens of pages only it runs (a page with co-admins keeps its tokens: they may hold them)."""
    account = await _local_account(admin, user)
    if account.suspended_at is not None:
        raise AccountError(N_("That account is already suspended."))
    now = datetime.now(timezone.utc)
    page_ids = await PageRole.filter(user=user).values_list("page_id", flat=True)
    own_pages = [page_id for page_id in page_ids if await PageRole.filter(page_id=page_id).count() == 1]
    async with in_transaction():
        await LocalUser.filter(id=account.id).update(suspended_at=now)
        await WebSession.filter(user=user, revoked_at=None).update(revoked_at=now)
        await ApiToken.filter(actor_id__in=[user.id, *own_pages]).delete()
        await modlog.record("user.suspended", moderator=admin, target=user.uri, reason=reason, public=False)


async def unsuspend_user(admin: Actor, user: Actor, *, reason: str = "") -> None:
    """Lift a suspension; the person signs in again (their old sessions and tokens stay revoked)."""
    account = await _local_account(admin, user)
    if account.suspended_at is None:
        raise AccountError(N_("That account is not suspended."))
    async with in_transaction():
        await LocalUser.filter(id=account.id).update(suspended_at=None)
        await modlog.record("user.unsuspended", moderator=admin, target=user.uri, reason=reason, public=False)


async def set_admin(admin: Actor, user: Actor, is_admin: bool, *, reason: str = "") -> None:
    """Promote an account to admin, or demote it (never one's own, so an instance keeps its admin)."""
    account = await _local_account(admin, user)
    if account.is_admin == is_admin:
        raise AccountError(N_("That account is already an admin.") if is_admin
                           else N_("That account is not an admin."))
    async with in_transaction():
        await LocalUser.filter(id=account.id).update(is_admin=is_admin)
        await modlog.record("user.promoted" if is_admin else "user.demoted", moderator=admin, target=user.uri,
                            reason=reason, public=False)
