"""What a remote group publishes of Moot's group extension: its parent group, its sub-groups and its essentials."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import URL_LENGTH, Actor


class RemoteGroupLinks(Model):
    """A remote Group's parentGroup, subgroups and essentials links (stored when its actor is fetched) and the
    collections last read from them (refetched at most hourly, when someone looks)."""

    id = fields.BigIntField(primary_key=True)
    group: fields.OneToOneRelation[Actor] = fields.OneToOneField(
        "models.Actor", related_name="remote_group_links", on_delete=fields.CASCADE
    )
    parent_uri = fields.CharField(max_length=URL_LENGTH, null=True)
    subgroups_url = fields.CharField(max_length=URL_LENGTH, null=True)
    essentials_url = fields.CharField(max_length=URL_LENGTH, null=True)
    # Actor URIs of the sub-groups, in the order the group lists them.
    subgroups = fields.JSONField(default=list)
    # The sections in order: [{"name": ..., "start_here": true or false, "items": [post URI, ...]}]
    essentials = fields.JSONField(default=list)
    fetched_at = fields.DatetimeField(null=True)
    fetch_error = fields.CharField(max_length=500, default="")

    class Meta:
        table = "remote_group_links"
