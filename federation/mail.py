"""Outgoing mail: queued in the caller's transaction, sent by the worker over SMTP, retried with backoff.

`MailSettings` comes from MOOT_SMTP_*; without MOOT_SMTP_HOST the server sends no mail and `queue_mail`
says so (the caller tells the person plainly instead of promising a message).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Mapping

import aiosmtplib

from federation.leases import LeaseKeeper, keeping
from federation.metrics import record_mail

from models.mail import MAIL_FAILED, MAIL_PENDING, MAIL_SENT, OutboundMail

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 15
BATCH = 50
# Retry after 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then give up (about a day in all).
RETRY_AFTER = (60, 300, 1800, 7200, 21600, 43200)
SECURITY_MODES = ("starttls", "tls", "none")


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    sender: str = "Moot <noreply@localhost>"
    security: str = "starttls"  # "tls" is implicit TLS (port 465); "none" only for a relay on loopback


def queue_mail(ctx: "FederationContext", to: str, subject: str, text: str, *, html: str | None = None,
               headers: Mapping[str, str] | None = None) -> "OutboundMail | None":
    """An unsaved message for `to` (save it in your transaction), or None when this server sends no mail."""
    if ctx.mail is None or not to:
        return None
    return OutboundMail(to_address=to, subject=subject[:255], text=text, html=html, headers=dict(headers or {}),
                        next_attempt_at=datetime.now(timezone.utc))


async def enqueue_mail(ctx: "FederationContext", to: str, subject: str, text: str, *, html: str | None = None,
                       headers: Mapping[str, str] | None = None) -> bool:
    """Queue a message now; False when this server sends no mail. Wakes the worker."""
    mail = queue_mail(ctx, to, subject, text, html=html, headers=headers)
    if mail is None:
        return False
    await mail.save()
    ctx.wake()
    return True


def _message(settings: MailSettings, mail: OutboundMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2].strip("> ") or None)
    for name, value in (mail.headers or {}).items():
        message[name] = value
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


async def _send(settings: MailSettings, mail: OutboundMail) -> None:
    await aiosmtplib.send(
        _message(settings, mail), hostname=settings.host, port=settings.port,
        username=settings.username, password=settings.password,
        use_tls=settings.security == "tls", start_tls=True if settings.security == "starttls" else False,
        timeout=SMTP_TIMEOUT_SECONDS,
    )


async def send_due_mail(ctx: "FederationContext", now: datetime | None = None) -> int:
    """Send the messages that are due; returns how many were handled (sent or rescheduled)."""
    if ctx.mail is None:
        return 0
    now = now or datetime.now(timezone.utc)
    due = await OutboundMail.filter(state=MAIL_PENDING, next_attempt_at__lte=now).order_by("id").limit(BATCH)
    if not due:
        return 0
    # A message's lease is its next_attempt_at, pushed a lease ahead when claimed and renewed while it is sent.
    async with keeping(ctx, OutboundMail, [], column="next_attempt_at") as leases:
        for mail in due:
            await _send_claimed(ctx, leases, mail, now)
    return len(due)


async def _send_claimed(ctx: "FederationContext", leases: LeaseKeeper, mail: OutboundMail, now: datetime) -> None:
    assert ctx.mail is not None
    # Claim it first, so a second worker process does not send it too.
    until = now + ctx.queue_lease
    claimed = await OutboundMail.filter(id=mail.id, state=MAIL_PENDING, attempts=mail.attempts).update(
        attempts=mail.attempts + 1, next_attempt_at=until)
    if not claimed:
        return
    mail.next_attempt_at = until
    leases.hold(OutboundMail, [mail], column="next_attempt_at")
    started = time.perf_counter()
    try:
        await _send(ctx.mail, mail)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        attempt = mail.attempts + 1
        gave_up = attempt > len(RETRY_AFTER)
        log.warning("mail %s to %s failed (attempt %d): %s", mail.id, mail.to_address, attempt, exc)
        await OutboundMail.filter(id=mail.id).update(
            state=MAIL_FAILED if gave_up else MAIL_PENDING, last_error=str(exc)[:1000],
            next_attempt_at=now + timedelta(seconds=RETRY_AFTER[min(attempt, len(RETRY_AFTER)) - 1]))
        record_mail(ctx, mail.id, "failed" if gave_up else "retry", started)
        return
    finally:
        leases.release(OutboundMail, [mail.id])
    await OutboundMail.filter(id=mail.id).update(state=MAIL_SENT, sent_at=now, text="", html=None)
    record_mail(ctx, mail.id, "sent", started)
