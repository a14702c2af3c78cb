"""Page insights: follower growth, reach, engagement, audience and when to post.

events.py records gains and losses where follows begin and end; views.py and reach.py count local views
and reach at send time; rollups.py keeps daily rollups; audience.py the followers per server and software;
report.py reads it all for a period; jobs.py is the daily job.
"""
from __future__ import annotations

from federation.insights.events import record_follow_gained, record_follow_lost, remove_follows

__all__ = ["record_follow_gained", "record_follow_lost", "remove_follows"]
