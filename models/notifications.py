"""Notifications for local actors, each person's choices of what to be told and how, and mail unsubscribe tokens."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import Actor

# Email delivery choices per kind.
EMAIL_OFF = "off"
EMAIL_IMMEDIATE = "immediate"
EMAIL_DIGEST = "digest"
EMAIL_CHOICES = (EMAIL_OFF, EMAIL_IMMEDIATE, EMAIL_DIGEST)


class Notification(Model):
    """Something that happened for a local actor (a person, or a page whose admins read it).

    `dedupe_key` names the cause (an activity id, a report id...) so that the same cause never notifies twice.
    `emailed` is set once the immediate mail or the digest has taken it.
    """

    id = fields.BigIntField(primary_key=True)
    recipient: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="notifications", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=32)
    from_actor: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="notifications_caused", null=True, on_delete=fields.CASCADE
    )
    post: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "models.Post", related_name="notifications", null=True, on_delete=fields.CASCADE
    )
    group: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="group_notifications", null=True, on_delete=fields.CASCADE
    )
    # Details for the sentence: the moderator's reason, the report id, the event's post id...
    extra = fields.JSONField(default=dict)
    dedupe_key = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)
    dismissed = fields.BooleanField(default=False)
    emailed = fields.BooleanField(default=False)

    class Meta:
        table = "notification"
        unique_together = (("recipient", "kind", "dedupe_key"),)
        indexes = (("recipient_id", "id"), ("recipient_id", "read_at"))


class NotificationPreference(Model):
    """A local person's choice for one kind: shown in the web UI or not, and mailed (off, immediate, digest)."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="notification_preferences", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=32)
    web = fields.BooleanField(default=True)
    email = fields.CharField(max_length=16, default=EMAIL_OFF)

    class Meta:
        table = "notification_preference"
        unique_together = (("user", "kind"),)


class UnsubscribeToken(Model):
    """The secret in a notification mail's one-click unsubscribe link (one per message, for its person).

    Only its SHA-256 is stored, so a leaked database unsubscribes nobody.
    """

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="unsubscribe_tokens", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "unsubscribe_token"
