"""Outgoing mail: queued, sent over real SMTP on loopback, kept and retried while the server is down."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from federation.mail import enqueue_mail, send_due_mail
from models.mail import MAIL_PENDING, MAIL_SENT, OutboundMail
from tests.smtp import MailCatcher


async def test_a_queued_message_arrives_over_smtp(moot_factory, smtp: MailCatcher) -> None:
    moot = await moot_factory(**smtp.settings)
    assert await enqueue_mail(moot.fed, "ann@example.test", "Hello", "Plain words.",
                              html="<p>Plain words.</p>", headers={"List-Unsubscribe": "<https://x.test/u>"})
    await moot.drain()
    [message] = await smtp.wait_for(1)
    assert message["To"] == "ann@example.test" and message["Subject"] == "Hello"
    assert message["From"] == "Moot <noreply@127.0.0.1>" and message["List-Unsubscribe"] == "<https://x.test/u>"
    assert message.get_body(("plain",)).get_content().strip() == "Plain words."
    assert "<p>Plain words.</p>" in message.get_body(("html",)).get_content()
    row = await OutboundMail.get()
    assert row.state == MAIL_SENT and row.text == ""  # the body (it may hold a link) is not kept once sent


async def test_mail_waits_while_the_smtp_server_is_down(moot_factory, smtp: MailCatcher) -> None:
    moot = await moot_factory(**smtp.settings)
    smtp.stop()
    await enqueue_mail(moot.fed, "ann@example.test", "Later", "Still here.")
    await send_due_mail(moot.fed)
    row = await OutboundMail.get()
    assert row.state == MAIL_PENDING and row.attempts == 1 and row.last_error
    smtp.start()
    await send_due_mail(moot.fed, now=datetime.now(timezone.utc) + timedelta(minutes=2))
    [message] = await smtp.wait_for(1)
    assert message["Subject"] == "Later"
    assert (await OutboundMail.get()).state == MAIL_SENT


async def test_without_smtp_nothing_is_promised(moot) -> None:
    assert await enqueue_mail(moot.fed, "ann@example.test", "Hello", "Words.") is False
    assert await OutboundMail.all().count() == 0
