"""Personal blocks and mutes: whom a person chose not to hear from (Mastodon's blocks and mutes)."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import URL_LENGTH, Actor


class PersonalBlock(Model):
    """An actor blocks another actor (a person, a page or a group).

    A local person's own blocks carry the id of the Block activity sent for them, so Undo can name it.
    A row whose blocker is remote records an inbound Block from that actor (blocked_by for the local target).
    """

    id = fields.BigIntField(primary_key=True)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="personal_blocks", on_delete=fields.CASCADE
    )
    target: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="personal_blocked_by", on_delete=fields.CASCADE
    )
    activity_uri = fields.CharField(max_length=URL_LENGTH, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "personal_block"
        unique_together = (("actor", "target"),)
        indexes = (("target_id", "actor_id"),)


class PersonalMute(Model):
    """A local person mutes an account: its posts leave their timelines, and its notifications too when asked.

    With an end time the mute stops applying by itself once that time has passed (no job needed).
    """

    id = fields.BigIntField(primary_key=True)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="personal_mutes", on_delete=fields.CASCADE
    )
    target: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="personal_muted_by", on_delete=fields.CASCADE
    )
    notifications = fields.BooleanField(default=True)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "personal_mute"
        unique_together = (("actor", "target"),)
