"""Polls (ActivityStreams Question): the options with their counts, and who voted for what."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import URL_LENGTH, Actor
from models.posts import Post

MIN_OPTIONS = 2
MAX_OPTIONS = 10


class Poll(Model):
    """The poll of a Question post, local or remote. For a remote poll the counts are its author's (read from
    the Question and its Updates), and for a local poll they are counted from PollVote rows."""

    id = fields.BigIntField(primary_key=True)
    post: fields.OneToOneRelation[Post] = fields.OneToOneField(
        "models.Post", related_name="poll", on_delete=fields.CASCADE
    )
    # [{"title": str, "votes_count": int}], in the author's order
    options = fields.JSONField(default=list)
    multiple = fields.BooleanField(default=False)  # anyOf rather than oneOf
    hide_totals = fields.BooleanField(default=False)
    expires_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    voters_count = fields.IntField(default=0)
    # Local polls: when the last Update{Question} with the counts went out.
    results_sent_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "poll"


class PollVote(Model):
    """One voter's choice: one row per chosen option (a multiple-choice voter has several)."""

    id = fields.BigIntField(primary_key=True)
    poll: fields.ForeignKeyRelation[Poll] = fields.ForeignKeyField(
        "models.Poll", related_name="votes", on_delete=fields.CASCADE
    )
    voter: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="poll_votes", on_delete=fields.CASCADE
    )
    choice = fields.IntField()
    # The Create{Note} that carried the vote (ours for local voters); unique, so a redelivery counts once.
    activity_uri = fields.CharField(max_length=URL_LENGTH, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "poll_vote"
        unique_together = (("poll", "voter", "choice"),)
