"""Admin: the work queues. Depths and ages, the slowest and failing remote servers, and the items that gave up,
with Retry and Discard (the same as `moot queue`)."""
from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from federation import queue_admin
from federation.queue_admin import QUEUES
from web import app_keys as keys
from web.i18n import N_
from web.pages.moderation_common import PAGE_SIZE, int_path, page_of, read_form
from web.sessions import require_admin_user
from web.templating import gettext, render_page

QUEUES_PATH = "/admin/queues"

QUEUE_NAMES = {
    "inbox": N_("Incoming activities"),
    "fanout": N_("Posts waiting to be sent to followers"),
    "delivery": N_("Deliveries to other servers"),
    "jobs": N_("Scheduled jobs"),
    "mail": N_("Mail"),
}
FLASH = {
    "retried": N_("The item is back in its queue and will be tried again now."),
    "retried-host": N_("The failed deliveries to that server are back in the queue."),
    "discarded": N_("The item was discarded."),
}


def duration(request: web.Request, seconds: float | None) -> str:
    """A short, readable length of time."""
    if seconds is None:
        return "–"
    if seconds < 1:
        return gettext(request, "under a second")
    if seconds < 120:
        return gettext(request, "%(count)d s", count=round(seconds))
    if seconds < 7200:
        return gettext(request, "%(count)d min", count=round(seconds / 60))
    if seconds < 172800:
        return gettext(request, "%(count)d h", count=round(seconds / 3600))
    return gettext(request, "%(count)d days", count=round(seconds / 86400))


def _queue_of(request: web.Request, raw: str | None) -> str:
    queue = raw or "delivery"
    if queue not in QUEUES:
        raise web.HTTPNotFound()
    return queue


async def queues_page(request: web.Request) -> web.StreamResponse:
    require_admin_user(request)
    queue = _queue_of(request, request.query.get("queue"))
    page = page_of(request)
    items = await queue_admin.failed_items(queue, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    slowest, failing = await queue_admin.host_stats()
    code = request.query.get("done", "")
    return render_page(
        request, "admin/queues.html", tab="queues", stats=await queue_admin.queue_stats(), slowest=slowest,
        failing=failing, queue=queue, items=items[:PAGE_SIZE], queue_names=QUEUE_NAMES,
        next_url=f"{QUEUES_PATH}?{urlencode({'queue': queue, 'page': page + 1})}#gave-up"
        if len(items) > PAGE_SIZE else None,
        previous_url=f"{QUEUES_PATH}?{urlencode({'queue': queue, 'page': page - 1})}#gave-up" if page > 1 else None,
        duration=lambda seconds: duration(request, seconds),
        flash=gettext(request, FLASH[code]) if code in FLASH else "",
    )


def _back(queue: str, code: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{QUEUES_PATH}?{urlencode({'queue': queue, 'done': code})}#gave-up")


async def act_on_item(request: web.Request) -> web.StreamResponse:
    require_admin_user(request)
    await read_form(request)  # the CSRF token was checked by the middleware
    queue = _queue_of(request, request.match_info["queue"])
    item_id = int_path(request, "item_id")
    action = request.match_info["action"]
    do = queue_admin.retry if action == "retry" else queue_admin.discard
    if not await do(queue, [item_id]):
        raise web.HTTPNotFound(text=gettext(request, "That item is no longer waiting for a decision."))
    if action == "retry":
        request.app[keys.FEDERATION].wake()
    raise _back(queue, "retried" if action == "retry" else "discarded")


async def retry_host(request: web.Request) -> web.StreamResponse:
    require_admin_user(request)
    form = await read_form(request)
    host = form.get("host", "").strip().lower()[:255]
    if not host or not await queue_admin.retry("delivery", host=host):
        raise web.HTTPNotFound(text=gettext(request, "There are no failed deliveries to that server."))
    request.app[keys.FEDERATION].wake()
    raise _back("delivery", "retried-host")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(QUEUES_PATH, queues_page, name="admin_queues")
    r.add_post(QUEUES_PATH + "/hosts/retry", retry_host, name="admin_queues_retry_host")
    r.add_post(QUEUES_PATH + "/{queue:inbox|fanout|delivery|jobs|mail}/{item_id}/{action:retry|discard}",
               act_on_item, name="admin_queue_item")
