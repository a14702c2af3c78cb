"""The kinds of notification, their sentences (msgids), and how the Mastodon API names them."""
from __future__ import annotations


def N_(message: str) -> str:
    """Marks a msgid for extraction; translated where it is shown (the page, the mail)."""
    return message


MENTION = "mention"
REPLY = "reply"
FAVOURITE = "favourite"
REBLOG = "reblog"
FOLLOW = "follow"
FOLLOW_REQUEST = "follow_request"
JOIN_REQUEST = "join_request"
JOIN_APPROVED = "join_approved"
JOIN_REJECTED = "join_rejected"
POST_HELD = "post_held"
POST_REMOVED = "post_removed"
POST_RESTORED = "post_restored"
REPORT = "report"
POLL = "poll"
EVENT_CHANGED = "event_changed"
EVENT_CANCELLED = "event_cancelled"
EVENT_REMINDER = "event_reminder"

KINDS = (
    MENTION, REPLY, FAVOURITE, REBLOG, FOLLOW, FOLLOW_REQUEST, JOIN_REQUEST, JOIN_APPROVED, JOIN_REJECTED,
    POST_HELD, POST_REMOVED, POST_RESTORED, REPORT, POLL, EVENT_CHANGED, EVENT_CANCELLED, EVENT_REMINDER,
)

# The sentence of each kind. %(actor)s is who did it, %(group)s the group, %(event)s the event's title.
SENTENCES = {
    MENTION: N_("%(actor)s mentioned you"),
    REPLY: N_("%(actor)s replied to your post"),
    FAVOURITE: N_("%(actor)s liked your post"),
    REBLOG: N_("%(actor)s boosted your post"),
    FOLLOW: N_("%(actor)s followed you"),
    FOLLOW_REQUEST: N_("%(actor)s asked to follow you"),
    JOIN_REQUEST: N_("%(actor)s asked to join %(group)s"),
    JOIN_APPROVED: N_("You are now a member of %(group)s"),
    JOIN_REJECTED: N_("Your request to join %(group)s was declined"),
    POST_HELD: N_("Your post in %(group)s waits for a moderator"),
    POST_REMOVED: N_("A moderator removed your post"),
    POST_RESTORED: N_("A moderator restored your post"),
    REPORT: N_("A new report waits for you to handle it"),
    POLL: N_("A poll you took part in has ended"),
    EVENT_CHANGED: N_("An event you registered for changed: %(event)s"),
    EVENT_CANCELLED: N_("An event you registered for was cancelled: %(event)s"),
    EVENT_REMINDER: N_("Reminder: %(event)s starts tomorrow"),
}

# The names of the kinds on the preferences page.
LABELS = {
    MENTION: N_("Mentions"),
    REPLY: N_("Replies to your posts"),
    FAVOURITE: N_("Likes"),
    REBLOG: N_("Boosts"),
    FOLLOW: N_("New followers"),
    FOLLOW_REQUEST: N_("Follow requests"),
    JOIN_REQUEST: N_("Requests to join a group you moderate"),
    JOIN_APPROVED: N_("Your join request approved"),
    JOIN_REJECTED: N_("Your join request declined"),
    POST_HELD: N_("Your post held for review"),
    POST_REMOVED: N_("Your post removed by a moderator"),
    POST_RESTORED: N_("Your post restored by a moderator"),
    REPORT: N_("Reports to handle"),
    POLL: N_("Polls that ended"),
    EVENT_CHANGED: N_("Changes to events you registered for"),
    EVENT_CANCELLED: N_("Cancelled events you registered for"),
    EVENT_REMINDER: N_("Reminders the day before an event"),
}

# Mastodon's notification types; Moot's own kinds are "moot.<kind>" (returned only when asked for by types[]).
API_TYPES = {
    MENTION: "mention",
    REPLY: "mention",  # Mastodon notifies a reply as a mention (the replied-to author is mentioned)
    FAVOURITE: "favourite",
    REBLOG: "reblog",
    FOLLOW: "follow",
    FOLLOW_REQUEST: "follow_request",
    POLL: "poll",
    REPORT: "admin.report",
}
MASTODON_TYPES = frozenset(API_TYPES.values())


def api_type(kind: str) -> str:
    return API_TYPES.get(kind, f"moot.{kind}")


def kinds_of_api_type(api: str) -> list[str]:
    return [kind for kind in KINDS if api_type(kind) == api]


# The "Mentions" filter of the page: what people answer them with.
MENTION_KINDS = (MENTION, REPLY)
