"""Questions and answers on the pages: ask from the group composer, accept a reply from the thread page, and the
accepted answer shown first. The decisions are federation/activities/answers.py's; who may see what,
federation/audience.py's.

- The group composer's checkbox (activities/_composer_question.html) asks the thread as a question.
- The thread page: the question panel (activities/question_panel.html) in the question's card, the accepted answer
  above the replies (activities/answer_accepted.html) and its mark in place, with the asker's and moderators'
  buttons under each reply (activities/answer_mark.html).
- POST /threads/{post_id}/accept (a reply) and /threads/{post_id}/unaccept (the accepted reply or the question).
- The group page's "Unanswered" filter (?filter=unanswered, see `unanswered_filter`).
"""
from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from federation import audience
from federation.actions import ActionError
from federation.activities.answers import accept_answer, may_choose, unaccept_answer
from federation.activities.answers_shape import accepted_answer, is_top_level, unanswered
from models.actors import Actor
from models.posts import Post
from web import app_keys as keys
from web.activity_panels import register_panel
from web.api.group_lookup import http_error
from web.i18n import N_
from web.pages.community_common import COMPOSER_HOOKS, read_form, see_other, visible_post
from web.sessions import require_user
from web.templating import safe_next

UNANSWERED = "unanswered"
# federation/activities/answers.py's refusals, shown translated on the error page (web/error_pages.py).
MESSAGES = (
    N_("this thread is not a question"),
    N_("this question was asked on another server: its answer is chosen there"),
    N_("this question is gone"),
    N_("this question is waiting for a moderator's review"),
    N_("only the person who asked, or a moderator of the group, can choose the answer"),
    N_("there is no such reply"),
    N_("a question cannot be its own answer"),
    N_("only a reply in this question's thread, open to all its readers, can be its answer"),
    N_("this reply is not the accepted answer"),
    N_("there is no such post"),
)


async def question_panel(request: web.Request, post: Post, viewer: Actor | None) -> dict[str, Any]:
    """The thread page's Q&A part, for a question (the page only asks for a post the viewer may see)."""
    if not post.is_question or not is_top_level(post):
        return {}
    answer = await accepted_answer(post)
    if answer is not None and not await audience.may_see_post(answer, audience.viewer_of(viewer)):
        answer = None
    if answer is not None:
        await answer.fetch_related("author")
    chooser = await may_choose(viewer, post)
    return {"question": {
        "answer": answer,
        "accepted_id": answer.id if answer is not None else None,
        "can_choose": chooser is not None,
        "asker": viewer is not None and viewer.id == post.author_id,
        "path": f"/threads/{post.id}",
    }}


async def ask_as_question(request: web.Request, form: MultiDictProxy[Any]) -> dict[str, Any]:
    """The composer hook: the checkbox makes the new thread a question (a reply never is one)."""
    return {"is_question": True} if form.get("is_question") else {}


def unanswered_filter(request: web.Request) -> str:
    """The group page's filter: "unanswered" or ""."""
    return UNANSWERED if request.query.get("filter") == UNANSWERED else ""


def filtered(query: Any, post_filter: str) -> Any:
    """A group's list of threads, narrowed to the unanswered questions when asked (the list's own query keeps
    federation/audience.py's filter)."""
    return query.filter(unanswered()) if post_filter == UNANSWERED else query


async def _decide(request: web.Request, accept: bool) -> web.StreamResponse:
    user = require_user(request)
    found = await visible_post(request, request.match_info["post_id"])
    form = await read_form(request)
    ctx = request.app[keys.FEDERATION]
    try:
        if accept:
            question = await accept_answer(ctx, user, found.post)
        else:
            question = await unaccept_answer(ctx, user, found.post)
    except ActionError as exc:
        raise http_error(exc) from None
    back = safe_next(str(form.get("next") or ""), f"/threads/{question.id}").partition("#")[0]
    fragment = "#accepted-answer" if accept else f"#post-{found.post.id}"
    raise see_other(back + fragment, "answer_accepted" if accept else "answer_unaccepted")


async def accept(request: web.Request) -> web.StreamResponse:
    return await _decide(request, True)


async def unaccept(request: web.Request) -> web.StreamResponse:
    return await _decide(request, False)


def setup(app: web.Application) -> None:
    register_panel(app, question_panel)
    if COMPOSER_HOOKS not in app:
        app[COMPOSER_HOOKS] = []
    app[COMPOSER_HOOKS].append(ask_as_question)
    app.router.add_post("/threads/{post_id}/accept", accept, name="thread_answer_accept")
    app.router.add_post("/threads/{post_id}/unaccept", unaccept, name="thread_answer_unaccept")
