"""Single-use links sent by mail: a password reset, or the confirmation of an email address."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import LocalUser

PASSWORD_RESET = "password_reset"
EMAIL_CONFIRM = "email_confirm"
TOKEN_PURPOSES = (PASSWORD_RESET, EMAIL_CONFIRM)


class AccountToken(Model):
    """A link's secret. Only its SHA-256 is stored, so a leaked database holds no usable link.
    Used once (used_at), and useless after expires_at."""

    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    account: fields.ForeignKeyRelation[LocalUser] = fields.ForeignKeyField(
        "models.LocalUser", related_name="account_tokens", on_delete=fields.CASCADE
    )
    purpose = fields.CharField(max_length=32)
    # For an email confirmation: the address that becomes the account's once the link is followed.
    email = fields.CharField(max_length=255, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "account_token"
        indexes = (("account_id", "purpose"),)
