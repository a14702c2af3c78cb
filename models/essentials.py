"""A group's essentials: threads its moderators keep at hand, in named and ordered sections."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import Actor
from models.posts import Post

SECTION_NAME_LENGTH = 100


class EssentialSection(Model):
    """A named section of a group's essentials ("Start here", "Guides", "FAQ"), in the moderators' order."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="essential_sections", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=SECTION_NAME_LENGTH)
    position = fields.IntField(default=0)
    # The section newcomers see first, whatever its place in the order (at most one per group).
    start_here = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "essential_section"
        indexes = (("group_id", "position"),)


class EssentialItem(Model):
    """A thread in a section, at its place. A thread is in at most one section of its group."""

    id = fields.BigIntField(primary_key=True)
    section: fields.ForeignKeyRelation[EssentialSection] = fields.ForeignKeyField(
        "models.EssentialSection", related_name="items", on_delete=fields.CASCADE
    )
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="essential_items", on_delete=fields.CASCADE
    )
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="essential_items", on_delete=fields.CASCADE
    )
    position = fields.IntField(default=0)
    added_by: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="essentials_added", null=True, on_delete=fields.SET_NULL
    )
    added_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "essential_item"
        unique_together = (("group", "post"),)
        indexes = (("section_id", "position"),)
