"""Notification mail: one message at once ("notification.mail" job) or a daily digest ("notification.digest"),
each in the person's language, with a one-click unsubscribe (RFC 8058) that needs no sign-in.

The jobs are scheduled when a notification is created (core._schedule_mail); they queue the message with
federation/mail.py in one transaction with marking the notifications mailed. No address, or no SMTP: nothing.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from markupsafe import escape
from tortoise.transactions import in_transaction

from federation.mail import queue_mail
from federation.notifications.core import preferences
from federation.notifications.kinds import N_
from federation.notifications.text import Told, catalogue, told
from models.actors import LocalUser
from models.notifications import EMAIL_DIGEST, EMAIL_IMMEDIATE, EMAIL_OFF, Notification, NotificationPreference
from models.notifications import UnsubscribeToken
from models.queues import ScheduledJob

if TYPE_CHECKING:
    from gettext import NullTranslations

    from federation.context import FederationContext

DIGEST_LIMIT = 50


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def new_unsubscribe_link(ctx: "FederationContext", user_id: int) -> str:
    token = secrets.token_urlsafe(32)
    await UnsubscribeToken.create(user_id=user_id, token_hash=_hash(token))
    return f"{ctx.base_url}/unsubscribe/{token}"


async def token_user(token: str) -> int | None:
    """The person an unsubscribe link is for, or None."""
    if not token or len(token) > 100:
        return None
    row = await UnsubscribeToken.filter(token_hash=_hash(token)).first()
    return row.user_id if row is not None else None


async def unsubscribe(token: str) -> bool:
    """Turn every notification mail of the link's person off (the web notifications stay as they were)."""
    user_id = await token_user(token)
    if user_id is None:
        return False
    for kind, choice in (await preferences(user_id)).items():
        if choice.email != EMAIL_OFF:
            await NotificationPreference.filter(user_id=user_id, kind=kind).update(email=EMAIL_OFF)
    return True


def _lines(item: Told, tr: "NullTranslations", base_url: str) -> tuple[list[str], str]:
    lines = [item.sentence(tr)]
    if item.reason:
        lines.append(tr.gettext(N_("Reason: %(reason)s")) % {"reason": item.reason})
    return lines, item.link(base_url)


def _bodies(items: list[Told], tr: "NullTranslations", base_url: str, unsubscribe_link: str) -> tuple[str, str]:
    text_parts, html_parts = [], []
    for item in items:
        lines, link = _lines(item, tr, base_url)
        text_parts.append("\n".join([*lines, link]))
        html_parts.append("<p>" + "<br>".join(str(escape(line)) for line in lines)
                          + f'<br><a href="{escape(link)}">{escape(tr.gettext(N_("Open")))}</a></p>')
    settings_link = f"{base_url}/settings/notifications"
    footer = [tr.gettext(N_("You get this mail because of your notification settings: %(link)s"))
              % {"link": settings_link},
              tr.gettext(N_("Stop these mails with one click: %(link)s")) % {"link": unsubscribe_link}]
    text = "\n\n".join(text_parts) + "\n\n-- \n" + "\n".join(footer) + "\n"
    html = ("<!doctype html><html><body>" + "".join(html_parts) + "<hr><p><small>"
            + str(escape(tr.gettext(N_("You get this mail because of your notification settings."))))
            + f' <a href="{escape(settings_link)}">{escape(tr.gettext(N_("Notification settings")))}</a> · '
            + f'<a href="{escape(unsubscribe_link)}">{escape(tr.gettext(N_("Unsubscribe")))}</a>'
            + "</small></p></body></html>")
    return text, html


async def _send(ctx: "FederationContext", account: LocalUser, notes: list[Notification], subject_for) -> bool:
    if not account.email or ctx.mail is None or not notes:
        return False
    tr = catalogue(ctx.translations, account.locale)
    items = await told(notes)
    async with in_transaction():
        link = await new_unsubscribe_link(ctx, account.actor_id)
        text, html = _bodies(items, tr, ctx.base_url, link)
        mail = queue_mail(ctx, account.email, subject_for(tr, items), text, html=html, headers={
            "List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        })
        if mail is None:
            return False
        await mail.save()
        await Notification.filter(id__in=[n.id for n in notes]).update(emailed=True)
    ctx.wake()
    return True


async def send_one(ctx: "FederationContext", job: ScheduledJob, now: datetime) -> None:
    """The "notification.mail" job: one notification, mailed at once if the person still wants that."""
    note_id = job.payload.get("notification_id")
    note = await Notification.filter(id=note_id, emailed=False).first() if isinstance(note_id, int) else None
    if note is None:
        return
    choice = (await preferences(note.recipient_id))[note.kind]
    account = await LocalUser.filter(actor_id=note.recipient_id, suspended_at=None).first()
    if choice.email != EMAIL_IMMEDIATE or account is None:
        return
    await _send(ctx, account, [note], lambda tr, items: items[0].sentence(tr))


async def send_digest(ctx: "FederationContext", job: ScheduledJob, now: datetime) -> None:
    """The "notification.digest" job: every notification of the day the person chose a digest for, in one mail."""
    user_id = job.payload.get("user_id")
    account = await LocalUser.filter(actor_id=user_id, suspended_at=None).first() if isinstance(user_id, int) else None
    if account is None:
        return
    digest_kinds = [kind for kind, choice in (await preferences(account.actor_id)).items()
                    if choice.email == EMAIL_DIGEST]
    if not digest_kinds:
        return
    notes = await Notification.filter(recipient_id=account.actor_id, kind__in=digest_kinds, emailed=False,
                                      read_at=None).order_by("id").limit(DIGEST_LIMIT)

    def subject(tr: "NullTranslations", items: list[Told]) -> str:
        return tr.ngettext("%(num)d new notification", "%(num)d new notifications", len(items)) % {"num": len(items)}

    await _send(ctx, account, notes, subject)
