"""Events kept for page insights (follower growth)."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import Actor

FOLLOWED = "followed"
UNFOLLOWED = "unfollowed"


class FollowEvent(Model):
    id = fields.BigIntField(primary_key=True)
    target: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="follow_events", on_delete=fields.CASCADE
    )
    follower_uri = fields.CharField(max_length=2048)
    kind = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "follow_event"
