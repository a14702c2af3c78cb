"""Member tags: labels a group's moderators define (for example Soil expert) and give to members."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import Actor

MAX_TAG_NAME = 40
MAX_TAGS_PER_GROUP = 50


class MemberTag(Model):
    """A label defined by a group's moderators, shown beside the names of the members who carry it."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="member_tags", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=MAX_TAG_NAME)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "member_tag"
        unique_together = (("group", "name"),)


class MemberTagging(Model):
    """A member carrying a tag in a group (group repeated from the tag so one query finds a page's tags)."""

    id = fields.BigIntField(primary_key=True)
    tag: fields.ForeignKeyRelation[MemberTag] = fields.ForeignKeyField(
        "models.MemberTag", related_name="taggings", on_delete=fields.CASCADE
    )
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="member_taggings", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="tagged_in_groups", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "member_tagging"
        unique_together = (("tag", "actor"),)
        indexes = (("group_id", "actor_id"),)
