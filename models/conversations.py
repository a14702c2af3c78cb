"""Direct-message conversations: how far each local person (or page) has read each one."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import Actor


class ConversationRead(Model):
    """The newest post of a conversation (keyed by its first post) that `actor` has seen, for unread markers."""

    id = fields.BigIntField(primary_key=True)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="conversation_reads", on_delete=fields.CASCADE
    )
    root_post_id = fields.BigIntField()
    last_read_post_id = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "conversation_read"
        unique_together = (("actor", "root_post_id"),)
