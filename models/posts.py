"""Posts (Note, Article, Page...) and the interactions with them."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import URL_LENGTH, Actor

VISIBILITIES = ("public", "unlisted", "private", "direct")


class Post(Model):
    id = fields.BigIntField(primary_key=True)
    uri = fields.CharField(max_length=URL_LENGTH, unique=True)
    author: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="posts", on_delete=fields.CASCADE
    )
    type = fields.CharField(max_length=32, default="Note")
    is_local = fields.BooleanField(default=False)
    content = fields.TextField(default="")  # sanitised HTML
    source = fields.TextField(null=True)  # the author's plain text, local posts only
    summary = fields.TextField(null=True)  # content warning, plain text
    name = fields.TextField(null=True)  # title (Article, Page, Event...)
    # Sanitised HTML: the `summary` of an Article, Page, Event, Video... is a description, not a warning.
    description = fields.TextField(null=True)
    sensitive = fields.BooleanField(default=False)
    language = fields.CharField(max_length=16, null=True)
    visibility = fields.CharField(max_length=16, default="public")
    in_reply_to_uri = fields.CharField(max_length=URL_LENGTH, null=True, db_index=True)
    in_reply_to: fields.ForeignKeyNullableRelation["Post"] = fields.ForeignKeyField(
        "models.Post", related_name="replies", null=True, on_delete=fields.SET_NULL
    )
    url = fields.CharField(max_length=URL_LENGTH, null=True)
    to = fields.JSONField(default=list)
    cc = fields.JSONField(default=list)
    # [{"type": "Mention"|"Hashtag", "name": ..., "href": ...}]
    tags = fields.JSONField(default=list)
    attachments = fields.JSONField(default=list)
    # The group the post was made in (local or remote), if any.
    group: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="group_posts", null=True, on_delete=fields.SET_NULL
    )
    # The group whose members are this post's audience: set whenever a post is written into a group,
    # admitted or still held (`group` is set only once the group admitted it). See federation/audience.py.
    audience_group: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="audience_posts", null=True, on_delete=fields.SET_NULL
    )
    # The id of the local group's Announce{object: post id} (the boost Mastodon shows), so that a deletion
    # or removal can Undo it; null when there is none standing.
    group_announce_uri = fields.CharField(max_length=URL_LENGTH, null=True)
    locked_at = fields.DatetimeField(null=True)
    # Removal by a moderator (reversible), as opposed to deletion by the author.
    removed_at = fields.DatetimeField(null=True)
    removed_reason = fields.TextField(null=True)
    # From a limited domain or actor: kept off public listings, shown to those who take part.
    limited = fields.BooleanField(default=False, db_default=False)
    published = fields.DatetimeField()
    edited_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)
    pinned_at = fields.DatetimeField(null=True)
    # Remote posts: the time of the newest Update applied, so one that arrives late (a retry, or a second copy
    # relayed by a group) cannot undo a newer one.
    version_at = fields.DatetimeField(null=True)
    # Q&A: a thread asked as a question, and the reply its author or a moderator accepted as the answer.
    is_question = fields.BooleanField(default=False, db_default=False)
    accepted_answer: fields.ForeignKeyNullableRelation["Post"] = fields.ForeignKeyField(
        "models.Post", related_name="accepted_for", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "post"
        # in_reply_to_id: counting a post's replies (the API's replies_count) without reading every post.
        # (author_id, deleted_at): an account's statuses_count from the index alone, not one page per post.
        indexes = (("author_id", "published"), ("group_id", "published"), ("in_reply_to_id", "published"),
                   ("author_id", "deleted_at"))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and self.removed_at is None


class PostAddressee(Model):
    """A local actor a post is addressed to or mentions: who may read a followers-only or direct post
    without following its author, kept as rows so that the audience can be a query (federation/audience.py)."""

    id = fields.BigIntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="addressees", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="addressed_posts", on_delete=fields.CASCADE
    )

    class Meta:
        table = "post_addressee"
        unique_together = (("post", "actor"),)
        indexes = (("actor_id", "post_id"),)


LIKE = "like"
DISLIKE = "dislike"
ANNOUNCE = "announce"
REPLY = "reply"
INTERACTION_KINDS = (LIKE, DISLIKE, ANNOUNCE, REPLY)


class Interaction(Model):
    """A like, boost or reply to a post: the raw material of page insights."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=16)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="interactions", on_delete=fields.CASCADE
    )
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="interactions", on_delete=fields.CASCADE
    )
    activity_uri = fields.CharField(max_length=URL_LENGTH, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # For a boost: its status id in the client API, taken from the post table's id sequence when it was
    # recorded (federation/status_ids.py), so boosts and posts share one id space ordered by time.
    status_id = fields.BigIntField(null=True, unique=True)

    class Meta:
        table = "interaction"
        # Insights roll up by time: post_id and kind ride along so a day's counts read the index alone.
        indexes = (("post_id", "kind"), ("created_at", "post_id", "kind"))
