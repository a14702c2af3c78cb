"""What a person keeps for themselves through their apps: bookmarks and read positions (markers)."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import Actor
from models.posts import Post

MARKER_TIMELINES = ("home", "notifications")


class Bookmark(Model):
    """A post a local person or page saved for later. Private: nobody else ever sees it."""

    id = fields.BigIntField(primary_key=True)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="bookmarks", on_delete=fields.CASCADE
    )
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="bookmarks", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "bookmark"
        unique_together = (("actor", "post"),)


class Marker(Model):
    """Where a person stopped reading a timeline (Mastodon's markers), shared between their apps."""

    id = fields.BigIntField(primary_key=True)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="markers", on_delete=fields.CASCADE
    )
    timeline = fields.CharField(max_length=16)
    last_read_id = fields.CharField(max_length=32)
    version = fields.IntField(default=1)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "marker"
        unique_together = (("actor", "timeline"),)
