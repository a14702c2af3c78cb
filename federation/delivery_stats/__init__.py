"""Deliveries per remote host and day, kept after the queue rows are gone.

- rollup.py: counts a day's Delivery rows into DeliveryDayStat, sums the final days of a period, and reads
  the figures of a period for instance insights (closed days from the rollup, today and unsettled days live);
- prune.py: deletes finished queue rows after the retention, in batches, once their counts are recorded, and
  empties finished inbox items (their rows stay, for duplicate detection);
- job.py: the nightly job that does both (and `moot queue prune`).
"""
