"""Group insights for a local group's moderators: membership, activity, retention, moderation load and the
activities (polls, events, check-ins), read from daily rollups (rollups.py) plus today's figures live.

`group_insights(group, days)` (report.py) gathers them all; the web page and the JSON API show the result.
"""
from federation.group_insights.days import PERIODS, parse_days
from federation.group_insights.report import GroupInsights, Preparing, group_insights

__all__ = ["PERIODS", "GroupInsights", "Preparing", "group_insights", "parse_days"]
