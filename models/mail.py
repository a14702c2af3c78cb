"""Mail waiting to be sent: kept until the SMTP server takes it, so no message is lost to an outage."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

MAIL_PENDING = "pending"
MAIL_SENT = "sent"
MAIL_FAILED = "failed"  # gave up after the last retry


class OutboundMail(Model):
    """One message to one address. The body is kept until sent, then cleared (it may hold a reset link)."""

    id = fields.BigIntField(primary_key=True)
    to_address = fields.CharField(max_length=255)
    subject = fields.CharField(max_length=255)
    text = fields.TextField()
    html = fields.TextField(null=True)
    headers = fields.JSONField(default=dict)  # extra headers, e.g. List-Unsubscribe
    state = fields.CharField(max_length=16, default=MAIL_PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbound_mail"
