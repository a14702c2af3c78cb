"""Passwords and email addresses of local accounts: change, reset by a mailed link, confirm a new address.

A link's secret is random and only its SHA-256 is stored (models/account_tokens.py); a link works once and
for a limited time: a password reset for an hour, an email confirmation for a day.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from federation import modlog
from federation.mail import enqueue_mail
from models.account_tokens import EMAIL_CONFIRM, PASSWORD_RESET, AccountToken
from models.accounts import WebSession
from models.actors import Actor, LocalUser
from web.accounts import AccountError, checked_password_hash
from web.i18n import N_
from web.passwords import check_password

if TYPE_CHECKING:
    from federation.context import FederationContext

RESET_LIFETIME = timedelta(hours=1)
EMAIL_LIFETIME = timedelta(hours=24)
MAX_EMAIL = 255
MAX_TOKEN = 100
# At most this many accounts hear of one forgotten-password request (several may share an address).
MAX_ACCOUNTS_PER_ADDRESS = 5
EMAIL_PATTERN = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def valid_email(address: str) -> str:
    """The address, trimmed; AccountError when it is not one."""
    address = address.strip()
    if len(address) > MAX_EMAIL or not EMAIL_PATTERN.match(address):
        raise AccountError(N_("Enter an email address like name@example.org."))
    return address


async def issue_token(account: LocalUser, purpose: str, *, email: str | None = None,
                      now: datetime | None = None) -> str:
    """A new link secret for `purpose`; earlier unused links of the same purpose stop working."""
    now = now or _now()
    token = secrets.token_urlsafe(32)
    lifetime = RESET_LIFETIME if purpose == PASSWORD_RESET else EMAIL_LIFETIME
    async with in_transaction():
        await AccountToken.filter(account_id=account.id, purpose=purpose, used_at=None).update(used_at=now)
        await AccountToken.create(token_hash=_hash(token), account_id=account.id, purpose=purpose, email=email,
                                  expires_at=now + lifetime)
    return token


async def find_token(token: str, purpose: str, *, now: datetime | None = None) -> AccountToken | None:
    """The standing token for a link, or None (unknown, used, expired, or its account is gone)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    row = await AccountToken.filter(token_hash=_hash(token), purpose=purpose, used_at=None,
                                    expires_at__gt=now or _now()).prefetch_related("account__actor").first()
    if row is None or row.account.suspended_at is not None or row.account.deletion_requested_at is not None:
        return None
    return row


async def _use(row: AccountToken, now: datetime) -> None:
    """Spend the token; AccountError if someone else spent it first."""
    if not await AccountToken.filter(id=row.id, used_at=None).update(used_at=now):
        raise AccountError(N_("This link was already used. Ask for a new one."))


async def set_password(account: LocalUser, password_hash: str, *, keep_session_id: int | None = None) -> None:
    """Store a new password and sign out every browser but `keep_session_id` (the one that changed it)."""
    now = _now()
    async with in_transaction():
        await LocalUser.filter(id=account.id).update(password_hash=password_hash)
        sessions = WebSession.filter(user_id=account.actor_id, revoked_at=None)
        if keep_session_id is not None:
            sessions = sessions.exclude(id=keep_session_id)
        await sessions.update(revoked_at=now)
        # Reset links still in a mailbox stop working too.
        await AccountToken.filter(account_id=account.id, purpose=PASSWORD_RESET, used_at=None).update(used_at=now)


async def change_password(account: LocalUser, current: str, password: str, confirm: str,
                          *, keep_session_id: int | None) -> None:
    if not check_password(account.password_hash, current):
        raise AccountError(N_("Your current password is not right."))
    await set_password(account, checked_password_hash(password, confirm), keep_session_id=keep_session_id)


async def reset_password(token: str, password: str, confirm: str) -> LocalUser:
    """Set a new password through a reset link; every session ends. AccountError when it cannot."""
    row = await find_token(token, PASSWORD_RESET)
    if row is None:
        raise AccountError(N_("This link does not work any more: it was used, or it expired. Ask for a new one."))
    password_hash = checked_password_hash(password, confirm)
    await _use(row, _now())
    await set_password(row.account, password_hash)
    return row.account


async def admin_reset(admin: "Actor", account: LocalUser, *, reason: str = "") -> str:
    """An admin resets a person's password: a new reset link's secret (mailed or passed on), logged."""
    token = await issue_token(account, PASSWORD_RESET)
    actor = await Actor.get(id=account.actor_id)
    await modlog.record("user.password_reset", moderator=admin, target=actor.uri, reason=reason, public=False)
    return token


async def accounts_for(name_or_email: str) -> list[LocalUser]:
    """The accounts a forgotten-password request may be about: by user name or email address."""
    text = name_or_email.strip()[:MAX_EMAIL]
    if not text:
        return []
    query = Q(email__iexact=text) if "@" in text.strip("@") else Q(actor__local_name=text.lstrip("@").lower())
    return list(await LocalUser.filter(query, suspended_at=None, deletion_requested_at=None, email__isnull=False)
                .prefetch_related("actor").limit(MAX_ACCOUNTS_PER_ADDRESS))


async def mail(ctx: "FederationContext", to: str, subject: str, text: str) -> bool:
    """Queue one message; False when this server sends no mail."""
    return await enqueue_mail(ctx, to, subject, text)


async def confirm_email(token: str) -> LocalUser:
    """Follow an email confirmation link: the address becomes the account's. AccountError when it cannot."""
    row = await find_token(token, EMAIL_CONFIRM)
    if row is None or not row.email:
        raise AccountError(N_("This link does not work any more: it was used, or it expired. Ask for a new one."))
    now = _now()
    await _use(row, now)
    await LocalUser.filter(id=row.account_id).update(email=row.email, email_unconfirmed=False)
    row.account.email = row.email
    return row.account

