"""Promotion without ads or tracking: a page asks to show one of its public posts in the "From pages" slot
(Explore and local people's home timelines) for 1 to 30 days, the admins decide (or the policy lets it run at
once), and only counts are kept.

    policy.py     the instance's policy (off, after approval, open) and the daily cap per person
    requests.py   request, decide (approve or reject, in the moderation log), withdraw
    showing.py    pick a promotion for a viewer, count an impression and a click
    stats.py      the figures per promotion for the page's insights
"""
from __future__ import annotations

from federation.actions.statuses import ActionError


class PromotionError(ActionError):
    """A promotion action is refused; the message is an English sentence the pages translate."""


__all__ = ["PromotionError"]
