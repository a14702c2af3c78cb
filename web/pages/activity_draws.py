"""The draws pages: /groups/{name}/draws and /@{name}/draws (open and finished draws, the New draw form for the
group's moderators or the page's admins), cancelling, the audit list /draws/{draw_id}/audit.json, the how-to
/draws/how-to-verify, and the draw's panel in its thread (web/activity_panels.py)."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

from aiohttp import web
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_timedelta
from multidict import MultiDictProxy

from federation import audience
from federation.actions import ActionError
from federation.activities import draws
from federation.activities.draw_algorithm import eligible_digest
from federation.activities.draws_eligibility import DrawSpec
from federation.activities.draws_read import (
    audit_document, draw_for_post, revealed, rule_objects, visible_draw, visible_draws,
)
from federation.activities.draws_text import HOW_TO_VERIFY, audit_path
from models.actors import Actor
from models.checkins import CheckinSeries
from models.draws import ELIGIBILITY, ELIGIBLE_REPLIED_OR_LIKED, OPEN, Draw
from models.events import Event
from models.follows import ACCEPTED, Follow
from models.posts import Post
from web import app_keys as keys
from web.activity_panels import register_panel
from web.api.auth import optional_actor
from web.i18n import N_
from web.pages.community_common import read_form, see_other, text_field, viewer_of
from web.pages.community_groups import group_header, local_group
from web.pages.community_profiles import profile_actor
from web.sessions import require_user
from web.templating import gettext, render_page, request_locale
from web.timezones import viewer_zone

# What federation/activities/draws*.py refuses with (ActionError), translated where it is shown: marked here for
# extraction (babel.cfg reads web/ only).
ACTION_MESSAGES = (
    N_("Only the group's moderators can run its draws."), N_("Only the page's admins can run its draws."),
    N_("The group held the draw's post for review, so the draw was not made."),
    N_("Say why the draw is cancelled."), N_("This draw is over: it can no longer be cancelled."),
    N_("The deadline has passed: the winners are being drawn."), N_("Say what the prize is."),
    N_("The prize can be at most 200 characters long."), N_("The description can be at most 2000 characters long."),
    N_("The number of winners must be a whole number from 1 to 100."), N_("The deadline must be in the future."),
    N_("The deadline can be at most a year away."), N_("Choose who can win."), N_("Choose an event of this group."),
    N_("Choose an event of this page."), N_("Check-ins belong to groups: a page cannot draw among them."),
    N_("Choose a check-in series of this group."),
    N_("The number of check-ins must be a whole number from 1 to 366."),
    N_("The period needs a first and a last day, the first not after the last."),
    N_("The period can be at most a year long."), N_("Give the deadline as a date and a time."),
)
FORM_FIELDS = ("prize", "winners", "deadline", "eligibility", "event_id", "series_id", "min_checkins", "since",
               "until", "description")


# --- what a draw looks like on a page ----------------------------------------------------------------


def _babel_locale(request: web.Request) -> Locale:
    locale = request_locale(request)
    try:
        return Locale.parse("en_GB" if locale == "en" else locale)
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en_GB")


def _time_left(request: web.Request, deadline: datetime) -> str:
    """"in 3 days", in the page's language; "" once the deadline has passed."""
    delta = deadline - datetime.now(timezone.utc)
    if delta.total_seconds() <= 0:
        return ""
    return format_timedelta(delta, add_direction=True, locale=_babel_locale(request))


def _day_text(request: web.Request, day: date | None) -> str:
    return format_date(day, format="medium", locale=_babel_locale(request)) if day is not None else "?"


async def draw_view(request: web.Request, draw: Draw, viewer: Actor | None) -> dict[str, Any]:
    """Everything a draw's panel or row shows; the caller made sure the viewer may see the draw."""
    host = await Actor.get(id=draw.host_id)
    params = draw.eligibility_params if isinstance(draw.eligibility_params, dict) else {}
    event, series = await rule_objects(draw, audience.viewer_of(viewer))
    shown = revealed(draw)
    eligible = list(draw.eligible or [])
    by_uri = {actor.uri: actor for actor in await Actor.filter(uri__in=list(draw.winners or []))}
    return {
        "id": draw.id, "state": draw.state, "prize": draw.prize, "winners_count": draw.winners_count,
        "deadline": draw.deadline, "time_left": _time_left(request, draw.deadline) if draw.state == OPEN else "",
        "eligibility": draw.eligibility, "event": event, "series": series,
        "min_checkins": params.get("min_checkins"), "since_text": _day_text(request, _date(params.get("since"))),
        "until_text": _day_text(request, _date(params.get("until"))), "host": host, "in_group": host.type == "Group",
        "commitment": draw.commitment, "seed": draw.seed_hex if shown else "",
        "eligible_count": len(eligible) if shown else None,
        "eligible_sha256": eligible_digest(eligible) if shown else "",
        "winners": [by_uri[uri] for uri in draw.winners or [] if uri in by_uri],
        "audit_url": audit_path(draw.id), "how_to_url": HOW_TO_VERIFY,
        "post_id": draw.post_id, "result_post_id": draw.result_post_id,
        "drawn_at": draw.drawn_at, "cancelled_at": draw.cancelled_at, "cancel_reason": draw.cancel_reason or "",
        "can_cancel": viewer is not None and draw.state == OPEN and await draws.may_run_draws(viewer, host),
    }


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


# Errors of the cancel form, shown in the panel after the redirect (known keys only: a link cannot inject text).
ERROR_KEYS = {
    "Say why the draw is cancelled.": "reason",
    "This draw is over: it can no longer be cancelled.": "over",
    "The deadline has passed: the winners are being drawn.": "due",
}
ERROR_MESSAGES = {key: message for message, key in ERROR_KEYS.items()}


async def draw_panel(request: web.Request, post: Post, viewer: Actor | None) -> dict[str, Any]:
    draw = await draw_for_post(post)
    if draw is None:
        return {}
    view = await draw_view(request, draw, viewer)
    error_key = request.query.get("draw_error", "")
    view["error"] = gettext(request, ERROR_MESSAGES[error_key]) if error_key in ERROR_MESSAGES else ""
    return {"draw": view}


# --- the list pages and the New draw form ---------------------------------------------------------------


async def _form_choices(host: Actor) -> dict[str, Any]:
    """The events and check-in series a new draw may draw among."""
    events = Event.filter(post__deleted_at=None, post__removed_at=None)
    events = events.filter(post__group_id=host.id) if host.type == "Group" else events.filter(post__author_id=host.id)
    series = await CheckinSeries.filter(group_id=host.id).order_by("-id").limit(50) if host.type == "Group" else []
    return {"events": await events.order_by("-starts_at").limit(50).prefetch_related("post"), "series": series}


async def _list_page(request: web.Request, host: Actor, *, error: str = "", form: dict[str, str] | None = None,
                     status: int = 200) -> web.Response:
    viewer = viewer_of(request)
    seen_by = audience.viewer_of(viewer)
    context: dict[str, Any] = {}
    if host.type == "Group":
        context.update(await group_header(request, host, seen_by), tab="draws")
        readable = await audience.may_see_group_content(host, seen_by)
        action = f"/groups/{host.group_name}/draws"
    else:
        readable = True
        action = f"/@{host.local_name}/draws"
        context.update(followers=await Follow.filter(target=host, state=ACCEPTED).count())
    organiser = viewer is not None and await draws.may_run_draws(viewer, host)
    zone = viewer_zone(request)
    open_draws = await visible_draws(host, seen_by, open_only=True) if readable else []
    finished = await visible_draws(host, seen_by, open_only=False) if readable else []
    return render_page(
        request, "activities/draw_list.html", status=status, host=host, readable=readable, organiser=organiser,
        open_draws=[await draw_view(request, draw, viewer) for draw in open_draws],
        finished=[await draw_view(request, draw, viewer) for draw in finished],
        choices=await _form_choices(host) if organiser else {}, action=action, error=error, form=form or {},
        zone_name=str(zone), min_deadline=datetime.now(zone).strftime("%Y-%m-%dT%H:%M"), **context,
    )


async def group_draws(request: web.Request) -> web.Response:
    return await _list_page(request, await local_group(request))


async def _local_page(request: web.Request) -> Actor:
    page = await profile_actor(request)
    if page.type != "Service":
        raise web.HTTPNotFound(text=gettext(request, "There is no such page here."))
    return page


async def page_draws(request: web.Request) -> web.Response:
    return await _list_page(request, await _local_page(request))


def _local_deadline(raw: str, request: web.Request) -> datetime | None:
    """An <input type="datetime-local"> value, in the viewer's time zone (web/timezones.py)."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=viewer_zone(request))
    return value.astimezone(timezone.utc)


def _whole(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _spec_from_form(request: web.Request, values: dict[str, str]) -> DrawSpec:
    deadline = _local_deadline(values["deadline"], request)
    if deadline is None:
        raise ActionError("Give the deadline as a date and a time.")
    winners = _whole(values["winners"] or "1")
    if winners is None:
        raise ActionError("The number of winners must be a whole number from 1 to 100.")
    return DrawSpec(
        prize=values["prize"], winners_count=winners, deadline=deadline,
        eligibility=values["eligibility"] if values["eligibility"] in ELIGIBILITY else ELIGIBLE_REPLIED_OR_LIKED,
        event_id=_whole(values["event_id"]), series_id=_whole(values["series_id"]),
        min_checkins=_whole(values["min_checkins"]), since=_date(values["since"]), until=_date(values["until"]),
        description=values["description"],
    )


def _values(form: MultiDictProxy[Any]) -> dict[str, str]:
    values = {name: text_field(form, name, 300) for name in FORM_FIELDS if name != "description"}
    values["description"] = text_field(form, "description", 3000)
    return values


async def _create(request: web.Request, host: Actor) -> web.StreamResponse:
    user = require_user(request)
    if not await draws.may_run_draws(user, host):
        refusal = ACTION_MESSAGES[0] if host.type == "Group" else ACTION_MESSAGES[1]
        raise web.HTTPForbidden(text=gettext(request, refusal))
    values = _values(await read_form(request))
    try:
        draw = await draws.create_draw(request.app[keys.FEDERATION], user, host, _spec_from_form(request, values))
    except ActionError as exc:
        return await _list_page(request, host, error=gettext(request, str(exc)), form=values, status=exc.status)
    raise see_other(f"/threads/{draw.post_id}", "posted")


async def create_in_group(request: web.Request) -> web.StreamResponse:
    return await _create(request, await local_group(request))


async def create_on_page(request: web.Request) -> web.StreamResponse:
    return await _create(request, await _local_page(request))


# --- cancelling, the audit list and the how-to ---------------------------------------------------------


def _missing(request: web.Request) -> web.HTTPNotFound:
    return web.HTTPNotFound(text=gettext(request, "There is no such draw, or it is only for some people."))


async def cancel(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    draw = await visible_draw(request.match_info["draw_id"], audience.viewer_of(user))
    if draw is None:
        raise _missing(request)
    form = await read_form(request)
    try:
        await draws.cancel_draw(request.app[keys.FEDERATION], user, draw, text_field(form, "reason", 1000))
    except ActionError as exc:
        if exc.status == 403:
            raise web.HTTPForbidden(text=gettext(request, str(exc))) from None
        raise see_other(f"/threads/{draw.post_id}?draw_error={ERROR_KEYS.get(str(exc), 'over')}#draw") from None
    raise see_other(f"/threads/{draw.post_id}#draw", "moderated")



async def audit_json(request: web.Request) -> web.Response:
    """The draw's record for recomputing it: visible exactly to those who may see the draw's post (signed in, or
    with an API token)."""
    viewer = viewer_of(request) or await optional_actor(request)
    draw = await visible_draw(request.match_info["draw_id"], audience.viewer_of(viewer))
    if draw is None:
        raise _missing(request)
    post = await Post.filter(id=draw.post_id).first() if draw.post_id else None
    document = audit_document(draw, request.app[keys.FEDERATION].base_url, post.uri if post else None)
    response = web.json_response(document, dumps=_dumps)
    response.headers["Vary"] = "Cookie"
    return response


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


# The check of docs/draws.md, shown on /draws/how-to-verify (code, so not translated).
VERIFY_SNIPPET = """import hashlib, json

audit = json.load(open("audit.json", encoding="utf-8"))
seed = bytes.fromhex(audit["seed"])

# 1. The seed is the one committed to (compare with the draw's post).
print("commitment ok:", hashlib.sha256(seed).hexdigest() == audit["commitment"])

# 2. The list is the one the result post names.
eligible = sorted(set(audit["eligible"]))
print("list digest:", hashlib.sha256("".join(uri + "\\n" for uri in eligible).encode()).hexdigest())

# 3. Rank by SHA-256(seed + "\\n" + id), take the first ones.
ranked = sorted(eligible, key=lambda uri: hashlib.sha256(seed + b"\\n" + uri.encode()).hexdigest())
print("winners:", ranked[:audit["winners_count"]])"""


async def how_to_verify(request: web.Request) -> web.Response:
    return render_page(request, "activities/draw_how_to_verify.html", snippet=VERIFY_SNIPPET)


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/groups/{name}/draws", group_draws, name="group_draws")
    r.add_post("/groups/{name}/draws", create_in_group, name="group_draw_create")
    r.add_get("/@{name}/draws", page_draws, name="page_draws")
    r.add_post("/@{name}/draws", create_on_page, name="page_draw_create")
    r.add_get(HOW_TO_VERIFY, how_to_verify, name="draw_how_to_verify")
    r.add_get("/draws/{draw_id}/audit.json", audit_json, name="draw_audit")
    r.add_post("/draws/{draw_id}/cancel", cancel, name="draw_cancel")
    register_panel(app, draw_panel)
