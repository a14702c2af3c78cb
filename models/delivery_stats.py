"""Delivery rollups for instance insights, written by the nightly queue job (federation/delivery_stats/).

A day is a UTC calendar day: the day a Delivery row was created. Finished deliveries older than the retention
are deleted from the queue (federation/delivery_stats/prune.py); their counts live on here.
"""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class DeliveryDayStat(Model):
    """The deliveries created on one day to one remote host, by state when they were counted.

    done and failed include the rows pruned since (pruned_done, pruned_failed), so counting the day again
    gives pruned_* plus what the queue still holds. A pair with waiting > 0 is not final: its deliveries
    are still being retried, so insights count it live and the nightly job counts it again.
    """

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField()
    host = fields.CharField(max_length=255)
    done = fields.IntField(default=0)
    failed = fields.IntField(default=0)
    waiting = fields.IntField(default=0)
    pruned_done = fields.IntField(default=0)
    pruned_failed = fields.IntField(default=0)

    class Meta:
        table = "delivery_day_stat"
        unique_together = (("day", "host"),)
        indexes = (("waiting", "day"),)


class DeliveryPeriodStat(Model):
    """Per host, the sums of the final day rows of a period's closed days (today excluded), for the period
    of `days` days ending on `today`: what a 90-day page reads instead of 90 rows per host. Made by the
    nightly job or by the first page view of the day, and dropped whenever a day row changes finality."""

    id = fields.BigIntField(primary_key=True)
    today = fields.DateField()
    days = fields.IntField()
    host = fields.CharField(max_length=255)
    done = fields.IntField(default=0)
    failed = fields.IntField(default=0)

    class Meta:
        table = "delivery_period_stat"
        unique_together = (("today", "days", "host"),)
