"""Direct messages: /conversations lists a person's conversations (or, with ?as=NAME, a page's they run),
/conversations/{post_id} shows one and answers it. Reads go through federation/conversations.py, which asks
federation/audience.py as the person or page reading."""
from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from federation import conversations as dm
from federation.actions import ActionError
from federation.actions.statuses import MAX_STATUS_LENGTH
from models.actors import Actor, PageRole
from web import app_keys as keys
from web.i18n import N_
from web.sessions import require_user
from web.templating import gettext, render_page

EMPTY_REPLY = N_("Write something to send.")


async def _acting(request: web.Request, name: str) -> Actor:
    """The signed-in person, or a page they run (?as=NAME); a page they do not run is a 404."""
    user = require_user(request)
    if not name:
        return user
    page = await Actor.filter(local_name=name[:64].lower(), type="Service", is_local=True, deleted_at=None).first()
    if page is None or not await PageRole.filter(page_id=page.id, user_id=user.id).exists():
        raise web.HTTPNotFound(text=gettext(request, "There is no such page, or you do not run it."))
    return page


def _query(reader: Actor, user: Actor) -> str:
    return "" if reader.id == user.id else "?" + urlencode({"as": reader.username})


async def _pages(user: Actor) -> list[Actor]:
    roles = await PageRole.filter(user_id=user.id, page__deleted_at=None).prefetch_related("page").order_by("page_id")
    return [role.page for role in roles]


async def list_page(request: web.Request) -> web.StreamResponse:
    reader = await _acting(request, request.query.get("as", ""))
    user = require_user(request)
    return render_page(request, "conversations/list.html", reader=reader, acting_as_page=reader.id != user.id,
                       items=await dm.conversations(reader), pages=await _pages(user), query=_query(reader, user))


async def _thread(request: web.Request, reader: Actor, *, error: str = "", text: str = "",
                  status: int = 200) -> web.Response:
    found = await dm.conversation(reader, int(request.match_info["post_id"]))
    if found is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such conversation, or it is not yours."))
    root, messages, others = found
    await dm.mark_read(reader, root, messages[-1])
    user = require_user(request)
    return render_page(request, "conversations/thread.html", status=status, reader=reader, root=root,
                       messages=messages, others=others, acting_as_page=reader.id != user.id, error=error,
                       text=text, query=_query(reader, user), max_length=MAX_STATUS_LENGTH)


async def thread_page(request: web.Request) -> web.StreamResponse:
    if not request.match_info["post_id"].isdigit():
        raise web.HTTPNotFound()
    return await _thread(request, await _acting(request, request.query.get("as", "")))


async def reply_form(request: web.Request) -> web.StreamResponse:
    if not request.match_info["post_id"].isdigit():
        raise web.HTTPNotFound()
    form = await request.post()
    reader = await _acting(request, str(form.get("as", "")))
    text = str(form.get("body", "")).strip()[:MAX_STATUS_LENGTH]
    found = await dm.conversation(reader, int(request.match_info["post_id"]))
    if found is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such conversation, or it is not yours."))
    _, messages, others = found
    if not text:
        return await _thread(request, reader, error=gettext(request, EMPTY_REPLY), status=422)
    try:
        post = await dm.reply(request.app[keys.FEDERATION], reader, messages[-1], others, text)
    except ActionError as exc:
        return await _thread(request, reader, error=gettext(request, str(exc)), text=text, status=exc.status)
    user = require_user(request)
    raise web.HTTPSeeOther(f"/conversations/{request.match_info['post_id']}{_query(reader, user)}#post-{post.id}")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/conversations", list_page, name="conversations")
    r.add_get("/conversations/{post_id}", thread_page, name="conversation")
    r.add_post("/conversations/{post_id}/reply", reply_form, name="conversation_reply")
