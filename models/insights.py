"""Events and daily rollups kept for page insights (follower growth, reach, engagement, audience).

Only counts are kept: no row here names a remote person beyond the follows already stored.
"""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import Actor

FOLLOWED = "followed"
UNFOLLOWED = "unfollowed"

# Why a follower was lost (FollowEvent.reason for UNFOLLOWED rows).
LOST_UNDO = "undo"            # Undo{Follow} or Leave from the follower
LOST_REMOVED = "removed"      # the page removed or refused the follower (Reject{Follow})
LOST_BLOCK = "block"          # the follower blocked the page
LOST_GONE = "gone"            # 410 Gone on delivery: the account no longer exists
LOST_DELETED = "deleted"      # Delete of the follower's actor
LOST_SUSPENDED = "suspended"  # this server suspended the follower's domain or account
LOST_REASONS = (LOST_UNDO, LOST_REMOVED, LOST_BLOCK, LOST_GONE, LOST_DELETED, LOST_SUSPENDED)


class FollowEvent(Model):
    """A follower gained or lost by a local actor, with the reason of a loss."""

    id = fields.BigIntField(primary_key=True)
    target: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="follow_events", on_delete=fields.CASCADE
    )
    follower_uri = fields.CharField(max_length=2048)
    kind = fields.CharField(max_length=16)
    reason = fields.CharField(max_length=16, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "follow_event"
        indexes = (("target_id", "created_at"),)


class PageDay(Model):
    """One page's figures for one closed day (UTC), rolled up from follow events, interactions and views."""

    id = fields.BigIntField(primary_key=True)
    page: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="insight_days", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    gained = fields.IntField(default=0)
    lost = fields.IntField(default=0)
    followers = fields.IntField(default=0)  # at the end of the day
    likes = fields.IntField(default=0)
    boosts = fields.IntField(default=0)
    replies = fields.IntField(default=0)
    views = fields.IntField(default=0)
    lost_reasons = fields.JSONField(default=dict)  # {reason: count}

    class Meta:
        table = "insight_page_day"
        unique_together = (("page", "day"),)


class PageHour(Model):
    """Interactions with one page's posts in one UTC hour, for the hour-of-week heat map.

    hour: whole hours since 1970-01-01 UTC (a number reads much faster than a timestamp).
    """

    id = fields.BigIntField(primary_key=True)
    page: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="insight_hours", on_delete=fields.CASCADE
    )
    hour = fields.IntField()
    interactions = fields.IntField(default=0)

    class Meta:
        table = "insight_page_hour"
        unique_together = (("page", "hour"),)


class PostStats(Model):
    """One post's reach (at send time) and interactions counted up to `counted_through`, plus local views."""

    id = fields.BigIntField(primary_key=True)
    post: fields.OneToOneRelation = fields.OneToOneField(
        "models.Post", related_name="insight_stats", on_delete=fields.CASCADE
    )
    page: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="insight_posts", on_delete=fields.CASCADE
    )
    published = fields.DatetimeField()
    language = fields.CharField(max_length=16, null=True)
    servers = fields.IntField(default=0)  # remote servers delivered to
    followers_reached = fields.IntField(default=0)  # followers on them, and here, at send time
    likes = fields.IntField(default=0)
    boosts = fields.IntField(default=0)
    replies = fields.IntField(default=0)
    views = fields.IntField(default=0)
    counted_through = fields.DatetimeField(null=True)

    class Meta:
        table = "insight_post_stats"
        indexes = (("page_id", "published"),)


class PostView(Model):
    """Local views of one post on one day: a counter, never who looked."""

    id = fields.BigIntField(primary_key=True)
    post: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Post", related_name="insight_views", on_delete=fields.CASCADE
    )
    page: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="insight_views", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    views = fields.IntField(default=0)

    class Meta:
        table = "insight_post_view"
        unique_together = (("post", "day"),)
        indexes = (("page_id", "day"),)


class PageAudience(Model):
    """A snapshot of one page's followers per server (host), rebuilt by the daily rollup."""

    id = fields.BigIntField(primary_key=True)
    page: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="insight_audience", on_delete=fields.CASCADE
    )
    host = fields.CharField(max_length=255)
    software = fields.CharField(max_length=64, default="")  # from HostSoftware when the snapshot was taken
    followers = fields.IntField(default=0)
    taken_at = fields.DatetimeField()

    class Meta:
        table = "insight_page_audience"
        unique_together = (("page", "host"),)


class HostSoftware(Model):
    """The software a remote server runs, from its NodeInfo, cached a day."""

    id = fields.BigIntField(primary_key=True)
    host = fields.CharField(max_length=255, unique=True)
    software = fields.CharField(max_length=64, default="")
    version = fields.CharField(max_length=64, default="")
    fetched_at = fields.DatetimeField()

    class Meta:
        table = "host_software"
