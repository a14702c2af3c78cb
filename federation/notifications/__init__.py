"""Notifications: `notify()` (core.py) is the one way they are made; hooks.py and activities.py are the causes,
each called by one line where the cause happens; mail.py mails them. Federation is unchanged by them."""
from __future__ import annotations

from federation.notifications.activities import event_cancelled, event_changed, poll_ended, schedule_reminder
from federation.notifications.core import ON_CREATED, SUPPRESSORS, notify, unread_count
from federation.notifications.hooks import (
    follow_received, held_decided, interaction, join_answered, join_decided, post_moderated, post_stored,
    report_created,
)

__all__ = [
    "ON_CREATED", "SUPPRESSORS", "event_cancelled", "event_changed", "follow_received", "held_decided", "interaction", "join_answered",
    "join_decided", "notify", "poll_ended", "post_moderated", "post_stored", "report_created",
    "schedule_reminder", "unread_count",
]
