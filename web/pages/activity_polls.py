"""Polls on the pages: made from the group and page composers, voted on from the thread page.

- The composers include activities/_composer_poll.html: "Add a poll", with up to 10 options, a duration and
  "allow several choices"; `composer_poll` (a COMPOSER_HOOKS hook) turns it into StatusInput.poll.
- The thread page shows activities/poll_panel.html in the poll's card (`poll_panel`, a thread panel): the form
  (radio buttons, or checkboxes for several choices), then the results as bars with percentages and counts.
- POST /threads/{post_id}/poll votes (federation/activities/polls_votes.py decides), then back to the thread.
"""
from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from typing import Any

from aiohttp import web
from babel import Locale, UnknownLocaleError
from babel.dates import format_timedelta
from multidict import MultiDictProxy

from federation.actions import ActionError
from federation.actions.statuses import PollInput
from federation.activities import polls, polls_votes
from federation.activities.polls import is_closed, poll_problem, shows_counts, tally, titles
from federation.queue import utcnow
from models.actors import Actor
from models.polls import MAX_OPTIONS, Poll
from models.posts import Post
from web import app_keys as keys
from web.activity_panels import register_panel
from web.i18n import N_
from web.pages.community_common import COMPOSER_HOOKS, read_form, see_other, text_field, visible_post
from web.pages.community_threads import thread_page
from web.sessions import require_user
from web.templating import gettext, request_locale

POLL_ERROR = web.RequestKey("poll_error", str)
# The composer's durations (seconds) and the one chosen at first: a day.
DURATIONS = (300, 1800, 3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400)
DEFAULT_DURATION = 86400
SHOWN_OPTIONS = 4  # option fields in view; the other six fold away under "More options"

# The refusals of federation/activities/polls.py and polls_votes.py, translated where they are shown.
MESSAGES = (
    N_("A poll needs between 2 and 10 options."),
    N_("A poll option cannot be empty."),
    N_("A poll option can be at most 100 characters long."),
    N_("Each poll option must be different."),
    N_("A poll must stay open between 5 minutes and 30 days."),
    N_("A post with a poll cannot have images."),
    N_("This poll has ended."),
    N_("You cannot vote on your own poll."),
    N_("Choose an option to vote."),
    N_("That is not one of the poll's options."),
    N_("This poll takes one choice only."),
    N_("You have voted in this poll already."),
    N_("You are banned from this group."),
    N_("There is no such poll."),
)

# What the composer's poll fields held when a form comes back with an error (the views pass on their own
# fields only). Set by the hook, read by the template (poll_composer()), cleared before each response is sent.
_TYPED: ContextVar[dict[str, Any] | None] = ContextVar("poll_composer_typed", default=None)


# --- the composer ------------------------------------------------------------------------------------------------


def _typed(form: MultiDictProxy[Any]) -> dict[str, Any]:
    duration = str(form.get("poll_duration", ""))
    return {
        "options": [text_field(form, f"poll_option{number}", polls.MAX_OPTION_LENGTH * 2)
                    for number in range(1, MAX_OPTIONS + 1)],
        "duration": int(duration) if duration.isdigit() and int(duration) in DURATIONS else DEFAULT_DURATION,
        "multiple": bool(form.get("poll_multiple")),
        "hide_totals": bool(form.get("poll_hide_totals")),
    }


async def composer_poll(request: web.Request, form: MultiDictProxy[Any]) -> dict[str, Any]:
    """The composer hook: filled option fields make a poll (empty ones in between are skipped)."""
    typed = _typed(form)
    options = tuple(option for option in typed["options"] if option)
    if not options:
        return {}
    _TYPED.set(typed)
    poll = PollInput(options=options, expires_in=typed["duration"], multiple=typed["multiple"],
                     hide_totals=typed["hide_totals"])
    problem = poll_problem(poll)
    if problem is not None:
        raise ActionError(gettext(request, problem))
    return {"poll": poll}


def poll_composer() -> dict[str, Any]:
    """For activities/_composer_poll.html: the fields as typed (after an error), or the empty form."""
    typed = _TYPED.get()
    if typed is None:
        return {"open": False, "options": [""] * MAX_OPTIONS, "duration": DEFAULT_DURATION, "multiple": False,
                "hide_totals": False, "more": False}
    return {**typed, "open": True, "more": any(typed["options"][SHOWN_OPTIONS:])}


async def _forget_typed(request: web.Request, response: web.StreamResponse) -> None:
    _TYPED.set(None)


# --- the thread page ---------------------------------------------------------------------------------------------


def _time_left(request: web.Request, until: datetime, now: datetime) -> str:
    try:
        locale = Locale.parse(request_locale(request))
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse("en")
    return format_timedelta(until - now, granularity="minute", threshold=1, locale=locale)


async def poll_panel(request: web.Request, post: Post, viewer: Actor | None) -> dict[str, Any]:
    """The poll of a Question (the thread page calls this only for a post the viewer may see)."""
    if post.type != polls.QUESTION:
        return {}
    poll = await Poll.filter(post_id=post.id).first()
    if poll is None:
        return {}
    now = utcnow()
    counts = await tally(poll, post)
    mine = set(await polls_votes.own_votes(poll, viewer))
    owner = viewer is not None and viewer.id == post.author_id
    closed = is_closed(poll, now)
    visible = shows_counts(poll, now) or owner
    can_vote = viewer is not None and not owner and not mine and not closed
    # Several choices: a share of the voters (as Mastodon shows it); one choice: a share of the votes.
    whole = (counts.voters if poll.multiple else counts.votes) or 0
    options = [{"index": index, "title": title, "count": counts.counts[index], "own": index in mine,
                "percent": round(100 * counts.counts[index] / whole) if whole else 0}
               for index, title in enumerate(titles(poll))]
    return {"poll": {
        "options": options, "multiple": poll.multiple, "closed": closed, "can_vote": can_vote,
        "show_counts": visible, "voted": bool(mine), "owner": owner, "signed_in": viewer is not None,
        "votes": counts.votes, "voters": counts.voters, "expires_at": poll.expires_at,
        "time_left": _time_left(request, poll.expires_at, now) if poll.expires_at and not closed else "",
        "remote": not post.is_local, "error": request.get(POLL_ERROR, ""), "action": f"/threads/{post.id}/poll",
    }}


async def vote_page(request: web.Request) -> web.StreamResponse:
    """The thread page's vote form; an error shows in the poll, the thread page around it."""
    user = require_user(request)
    found = await visible_post(request, request.match_info["post_id"])
    poll = await Poll.filter(post_id=found.post.id).first()
    if poll is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such poll."))
    form = await read_form(request)
    raw = [value for value in form.getall("choices", []) if isinstance(value, str)]
    choices = [int(value) for value in raw[:MAX_OPTIONS * 2] if value.isdigit() and len(value) < 4]
    try:
        if len(choices) != len(raw):
            raise ActionError(polls_votes.NOT_AN_OPTION)
        await polls_votes.vote(request.app[keys.FEDERATION], user, found.post, poll, choices)
    except ActionError as exc:
        request[POLL_ERROR] = gettext(request, str(exc))
        response = await thread_page(request)
        if isinstance(response, web.Response):
            response.set_status(exc.status if exc.status in (403, 404) else 422)
        return response
    raise see_other(f"/threads/{found.post.id}#poll-{found.post.id}", "voted")


def setup(app: web.Application) -> None:
    register_panel(app, poll_panel)
    if COMPOSER_HOOKS not in app:
        app[COMPOSER_HOOKS] = []
    app[COMPOSER_HOOKS].append(composer_poll)
    app[keys.TEMPLATES].globals["poll_composer"] = poll_composer
    app[keys.TEMPLATES].globals["poll_durations"] = DURATIONS
    app.on_response_prepare.append(_forget_typed)
    app.router.add_post("/threads/{post_id}/poll", vote_page, name="thread_poll_vote")
