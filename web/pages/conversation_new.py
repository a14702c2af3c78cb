"""Starting a conversation from the web: POST /conversations/new (the "New message" form on /conversations)
sends a direct message to one person or page, found by a local name or @name@host (WebFinger, through
community_common.lookup_actor), as the signed-in person or a page they run. Errors keep the form."""
from __future__ import annotations

from aiohttp import web

from federation import conversations as dm
from federation.actions import ActionError
from federation.actions.statuses import MAX_STATUS_LENGTH
from models.actors import Actor
from web import app_keys as keys
from web.i18n import N_
from web.pages.community_common import LookupFailed, lookup_actor
from web.pages.conversations import EMPTY_REPLY, _acting, _pages, _query
from web.sessions import require_user
from web.templating import gettext, render_page

MAX_HANDLE = 300
NO_RECIPIENT = N_("Write who the message is for: a name on this server, or @name@example.org.")
NOT_FOUND = N_("Nobody called %(handle)s was found. Check the spelling, for example @name@example.org.")
NOT_A_GROUP = N_("A group cannot get messages. Write to a person or a page.")
NOT_YOURSELF = N_("You cannot send a message to yourself.")


def _handle(text: str, host: str) -> str:
    """A bare local name (`ada`, `@ada`) becomes ada@this-host; anything else is looked up as written."""
    bare = text.lstrip("@")
    if bare and "@" not in bare and not text.startswith(("http://", "https://")):
        return f"{bare}@{host}"
    return text


async def _recipient(request: web.Request, reader: Actor, to: str) -> tuple[Actor | None, str]:
    if not to:
        return None, gettext(request, NO_RECIPIENT)
    try:
        found = await lookup_actor(request, _handle(to, request.app[keys.FEDERATION].host))
    except LookupFailed:
        return None, gettext(request, NOT_FOUND, handle=to)
    if found.type == "Group":
        return None, gettext(request, NOT_A_GROUP)
    if found.id == reader.id:
        return None, gettext(request, NOT_YOURSELF)
    return found, ""


async def new_message(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    form = await request.post()
    reader = await _acting(request, str(form.get("as", "")))
    to = str(form.get("to", "")).strip()[:MAX_HANDLE]
    text = str(form.get("body", "")).strip()[:MAX_STATUS_LENGTH]
    recipient, to_error = await _recipient(request, reader, to)
    body_error = "" if text else gettext(request, EMPTY_REPLY)
    if recipient is not None and not body_error:
        try:
            post = await dm.start(request.app[keys.FEDERATION], reader, recipient, text)
        except ActionError as exc:
            body_error = gettext(request, str(exc))
        else:
            raise web.HTTPSeeOther(f"/conversations/{post.id}{_query(reader, user)}#post-{post.id}")
    return render_page(request, "conversations/list.html", status=422, reader=reader,
                       acting_as_page=reader.id != user.id, items=await dm.conversations(reader),
                       pages=await _pages(user), query=_query(reader, user),
                       new_message={"to": to, "body": text, "to_error": to_error, "body_error": body_error})


def setup(app: web.Application) -> None:
    app.router.add_post("/conversations/new", new_message, name="conversation_new")
