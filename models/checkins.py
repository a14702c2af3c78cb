"""Daily check-ins: a group's recurring prompt, its days, and who checked in on which day."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import Actor
from models.posts import Post

ALL_WEEKDAYS = "0123456"  # Monday is 0, as datetime.weekday() counts


class CheckinSeries(Model):
    """A check-in a group's moderators run: the prompt, its time zone and its days."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="checkin_series", on_delete=fields.CASCADE
    )
    prompt = fields.CharField(max_length=200)
    time_zone = fields.CharField(max_length=64, default="UTC")  # IANA name: a day starts at its midnight
    weekdays = fields.CharField(max_length=7, default=ALL_WEEKDAYS)  # the days it runs, as digits
    # The moderator who set it up: the day threads are written in their name and relayed by the group.
    created_by: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="checkins_run", null=True, on_delete=fields.SET_NULL
    )
    active = fields.BooleanField(default=True)  # False while paused, and once ended
    # When the moderators ended it: it then keeps its days and check-ins, and the group may start another.
    ended_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "checkin_series"


class CheckinDay(Model):
    """One day of a series, with the thread posted for it (replies to it are check-ins)."""

    id = fields.BigIntField(primary_key=True)
    series: fields.ForeignKeyRelation[CheckinSeries] = fields.ForeignKeyField(
        "models.CheckinSeries", related_name="days", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    thread: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="checkin_day", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "checkin_day"
        unique_together = (("series", "day"),)
        # Every reply asks whether its thread is a check-in day. An index here, not db_index on the field:
        # tortoise alters a field on SQLite by rebuilding the table, without its other indexes.
        indexes = (("thread_id",),)


class Checkin(Model):
    """A member's check-in for a day: at most one per member and day."""

    id = fields.BigIntField(primary_key=True)
    series: fields.ForeignKeyRelation[CheckinSeries] = fields.ForeignKeyField(
        "models.CheckinSeries", related_name="checkins", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="checkins", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    note = fields.TextField(null=True)
    # The reply that was the check-in (a remote member's, or a local one's), if it was one.
    post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="checkins", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "checkin"
        unique_together = (("series", "actor", "day"),)
        indexes = (("series_id", "day"),)
