"""Daily rollups for group insights, written by a nightly job (federation/group_insights/rollups.py).

A day is a UTC calendar day. The figures of today are computed live from the raw rows, so a rollup row
exists only for days that are over.
"""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import Actor


class GroupDailyStat(Model):
    """One local group's figures for one finished day.

    active is the number of members who posted, replied, voted or checked in that day, active_week and
    active_month the distinct ones over the 7 and 30 days ending that day, active_prior_week and
    active_prior_month over the 6 and 29 days ending that day.
    """

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="daily_stats", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    posts = fields.IntField(default=0)
    replies = fields.IntField(default=0)
    votes = fields.IntField(default=0)
    checkins = fields.IntField(default=0)
    joins = fields.IntField(default=0)
    leaves = fields.IntField(default=0)
    active = fields.IntField(default=0)
    active_week = fields.IntField(default=0)
    active_month = fields.IntField(default=0)
    # Distinct active people over the 6 and 29 days ending this day: the day after adds its own people to
    # these (null on days rolled up before they were kept).
    active_prior_week = fields.IntField(null=True)
    active_prior_month = fields.IntField(null=True)
    held = fields.IntField(default=0)
    removed = fields.IntField(default=0)
    reported = fields.IntField(default=0)

    class Meta:
        table = "group_daily_stat"
        unique_together = (("group", "day"),)


class GroupMemberDay(Model):
    """What one person did in one group on one finished day: the raw material of active members, top
    contributors and retention. joined marks the day they joined (a row exists even if they did nothing)."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="member_days", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="group_member_days", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    posts = fields.IntField(default=0)
    replies = fields.IntField(default=0)
    votes = fields.IntField(default=0)
    checkins = fields.IntField(default=0)
    active = fields.BooleanField(default=False)
    joined = fields.BooleanField(default=False)

    class Meta:
        table = "group_member_day"
        unique_together = (("group", "actor", "day"),)
        indexes = (("group_id", "day"), ("group_id", "joined", "day"))


class GroupCohort(Model):
    """Retention of the people who joined a group in one calendar week (Monday to Sunday, UTC): how many joined,
    and how many of them were active in each of the four weeks after. Null: that week was not over when the
    rollup ran (the nightly job recomputes the recent weeks)."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="cohorts", on_delete=fields.CASCADE
    )
    week_start = fields.DateField()
    joined = fields.IntField(default=0)
    active_1 = fields.IntField(null=True)
    active_2 = fields.IntField(null=True)
    active_3 = fields.IntField(null=True)
    active_4 = fields.IntField(null=True)

    class Meta:
        table = "group_cohort"
        unique_together = (("group", "week_start"),)


class GroupTopContributor(Model):
    """The people with the most posts and replies in a group over the finished days of a 7, 30 or 90-day period
    ending on `until` (a rollup keeps them, so a page does not add up months of member days)."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="top_contributors", on_delete=fields.CASCADE
    )
    days = fields.IntField()
    until = fields.DateField()
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="top_contributions", on_delete=fields.CASCADE
    )
    posts = fields.IntField(default=0)
    replies = fields.IntField(default=0)

    class Meta:
        table = "group_top_contributor"
        indexes = (("group_id", "days", "until"),)


class GroupServerCount(Model):
    """A snapshot of one local group's members per server (domain), taken by the nightly rollup. The insights
    page adds the joins and leaves recorded since `taken_at`, and counts live when the sum disagrees with
    the members now."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="server_counts", on_delete=fields.CASCADE
    )
    domain = fields.CharField(max_length=255)
    members = fields.IntField(default=0)
    taken_at = fields.DatetimeField()

    class Meta:
        table = "group_server_count"
        unique_together = (("group", "domain"),)
