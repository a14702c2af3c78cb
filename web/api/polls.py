"""Mastodon's poll API: GET /api/v1/polls/:id and POST /api/v1/polls/:id/votes (`choices[]`, option indexes),
the `poll` object of a status (web/api/serializers.py), and `poll[...]` when a status is created
(web/api/statuses.py), sent as form fields (`poll[options][]`, `poll[expires_in]`, `poll[multiple]`,
`poll[hide_totals]`) or as JSON (`{"poll": {"options": [...], "expires_in": 3600}}`)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from federation import audience
from federation.actions import ActionError
from federation.actions.statuses import PollInput
from federation.activities.polls import is_closed, shows_counts, tally, titles
from federation.activities.polls_votes import own_votes, vote
from federation.protocol.json_body import storable_text
from federation.render import iso
from models.actors import Actor
from models.polls import MAX_OPTIONS, Poll
from models.posts import Post
from web import app_keys as keys
from web.api.auth import optional_actor, require_actor
from web.api.params import as_bool, int_id, read_params

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# More options than a poll may have are refused by the validation; more than this are not even read.
MAX_READ = MAX_OPTIONS * 4


# --- the poll object -------------------------------------------------------------------------------------------


async def poll_json(post: Post, poll: Poll, viewer: Actor | None) -> dict[str, Any]:
    """Mastodon's Poll entity. With hide_totals, the counts per option are null until the poll closes, except
    for its author; `voted` and `own_votes` only for a signed-in viewer (the author counts as having voted)."""
    counts = await tally(poll, post)
    owner = viewer is not None and viewer.id == post.author_id
    show = shows_counts(poll) or owner
    body: dict[str, Any] = {
        "id": str(poll.id),
        "expires_at": iso(poll.expires_at),
        "expired": is_closed(poll),
        "multiple": poll.multiple,
        "votes_count": counts.votes,
        "voters_count": counts.voters,
        "options": [{"title": title, "votes_count": counts.counts[index] if show else None}
                    for index, title in enumerate(titles(poll))],
        "emojis": [],
    }
    if viewer is not None:
        mine = await own_votes(poll, viewer)
        body["voted"] = owner or bool(mine)
        body["own_votes"] = mine
    return body


async def status_poll(post: Post, viewer: Actor | None = None) -> dict[str, Any] | None:
    """The `poll` of a status: None unless it is a Question with a poll (no query for other posts)."""
    if post.type != "Question":
        return None
    poll = await Poll.filter(post_id=post.id).first()
    return await poll_json(post, poll, viewer) if poll is not None else None


async def status_polls(posts: list[Post], viewer: Actor | None = None) -> dict[int, dict[str, Any]]:
    """The `poll` of each Question among `posts`, by post id: the polls in one query (none without a Question);
    each poll's counts are still read per poll (a page seldom holds more than one)."""
    questions = {post.id: post for post in posts if post.type == "Question"}
    polls = await Poll.filter(post_id__in=list(questions)) if questions else []
    return {poll.post_id: await poll_json(questions[poll.post_id], poll, viewer) for poll in polls}


# --- reading poll[...] of a new status ---------------------------------------------------------------------------


def _unprocessable(message: str) -> web.HTTPUnprocessableEntity:
    return web.HTTPUnprocessableEntity(text=message)


async def _flat_fields(request: web.Request) -> list[tuple[str, str]]:
    """`poll[...]` fields of the query string and a form body, every value (options repeat)."""
    fields = [(key, value) for key, value in request.query.items() if key.startswith("poll[")]
    if request.content_type in FORM_TYPES:
        form = await request.post()
        fields += [(key, value) for key, value in form.items() if key.startswith("poll[") and isinstance(value, str)]
    return [(key, storable_text(value)) for key, value in fields[: MAX_READ + 8]]


def _seconds(value: Any) -> int:
    if isinstance(value, bool):
        raise _unprocessable("poll[expires_in] must be a number of seconds")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 12:
        return int(value.strip())
    raise _unprocessable("poll[expires_in] must be a number of seconds")


async def poll_input(request: web.Request, params: dict[str, Any]) -> PollInput | None:
    """The poll of a POST /api/v1/statuses, or None without one. Malformed parameters answer 422; what the
    poll may be (2 to 10 options, 5 minutes to 30 days...) is checked by create_status."""
    nested = params.get("poll")
    if isinstance(nested, dict):
        options, expires, multiple, hide = (nested.get("options"), nested.get("expires_in"),
                                            nested.get("multiple", False), nested.get("hide_totals", False))
        if not isinstance(options, list) or not all(isinstance(option, str) for option in options[:MAX_READ]):
            raise _unprocessable("poll[options] must be a list of texts")
    elif nested is not None and nested != "":
        raise _unprocessable("poll must be an object with options and expires_in")
    else:
        fields = await _flat_fields(request)
        if not fields:
            return None
        options = [value for key, value in fields if key == "poll[options][]" or
                   (key.startswith("poll[options][") and key.endswith("]") and key[14:-1].isdigit())]
        single = dict(fields)
        expires, multiple, hide = (single.get("poll[expires_in]"), single.get("poll[multiple]", False),
                                   single.get("poll[hide_totals]", False))
    if expires is None or expires == "":
        raise _unprocessable("poll[expires_in] is required: how many seconds the poll stays open")
    return PollInput(options=tuple(str(option) for option in options[:MAX_READ]), expires_in=_seconds(expires),
                     multiple=as_bool(multiple), hide_totals=as_bool(hide))


# --- routes ------------------------------------------------------------------------------------------------------


async def _visible_poll(request: web.Request, viewer: Actor | None) -> tuple[Post, Poll]:
    """The poll, if federation/audience.py lets the viewer see its post; 404 alike when missing or hidden."""
    poll = await Poll.filter(id=int_id(request.match_info["poll_id"], "poll")).first()
    post = await Post.filter(audience.visible_posts(audience.viewer_of(viewer)), id=poll.post_id).first() \
        if poll is not None else None
    if poll is None or post is None:
        raise web.HTTPNotFound(text="no such poll")
    return post, poll


async def show(request: web.Request) -> web.Response:
    viewer = await optional_actor(request)
    post, poll = await _visible_poll(request, viewer)
    return web.json_response(await poll_json(post, poll, viewer))


async def _choices(request: web.Request, params: dict[str, Any]) -> list[int]:
    raw: Any = params.get("choices", params.get("choices[]"))
    if not isinstance(raw, list):
        raw = request.query.getall("choices[]", []) + request.query.getall("choices", [])
        if request.content_type in FORM_TYPES:
            form = await request.post()
            raw += form.getall("choices[]", []) + form.getall("choices", [])
    choices = []
    for item in raw[:MAX_READ]:
        if isinstance(item, bool) or not (isinstance(item, int) or (isinstance(item, str) and item.isdigit()
                                                                     and len(item) < 6)):
            raise _unprocessable("choices must be the indexes of options, like choices[]=0")
        choices.append(int(item))
    return choices


async def cast_votes(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    post, poll = await _visible_poll(request, actor)
    choices = await _choices(request, await read_params(request))
    try:
        await vote(request.app[keys.FEDERATION], actor, post, poll, choices)
    except ActionError as exc:
        error = {403: web.HTTPForbidden, 404: web.HTTPNotFound}.get(exc.status, web.HTTPUnprocessableEntity)
        raise error(text=str(exc)) from None
    poll = await Poll.get(id=poll.id)
    return web.json_response(await poll_json(post, poll, actor))


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v1/polls/{poll_id}", show, name="api_poll")
    r.add_post("/api/v1/polls/{poll_id}/votes", cast_votes, name="api_poll_votes")
