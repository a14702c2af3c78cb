"""The notifications page: newest first, grouped into readable sentences, a filter (all / mentions), mark all
as read, and /notifications/{notification_id} that marks one read and opens what it is about."""
from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from federation.notifications import core
from federation.notifications import kinds as k
from federation.notifications.text import Told, target_path, told
from models.actors import Actor
from models.notifications import Notification
from models.posts import Post
from web.sessions import require_user
from web.templating import gettext, render_page

PAGE_SIZE = 30
FILTERS = ("all", "mentions")
# Kinds whose neighbours about the same thing read as one sentence ("alice and 2 others liked your post").
GROUPED = (k.FAVOURITE, k.REBLOG, k.FOLLOW)


@dataclass
class Item:
    """One line of the page: one notification, or several of one kind about the same thing."""

    kind: str
    first: Told
    others: list[Told] = field(default_factory=list)

    @property
    def notes(self) -> list[Notification]:
        return [self.first.note, *(t.note for t in self.others)]

    @property
    def unread(self) -> bool:
        return any(n.read_at is None for n in self.notes)

    @property
    def actors(self) -> list[Actor]:
        seen, out = set(), []
        for t in [self.first, *self.others]:
            if t.from_actor is not None and t.from_actor.id not in seen:
                seen.add(t.from_actor.id)
                out.append(t.from_actor)
        return out

    @property
    def post(self) -> Post | None:
        return self.first.post

    @property
    def group(self) -> Actor | None:
        return self.first.group

    @property
    def reason(self) -> str:
        return self.first.reason

    @property
    def href(self) -> str:
        return f"/notifications/{self.first.note.id}"


def _group(items: list[Told]) -> list[Item]:
    out: list[Item] = []
    for t in items:
        last = out[-1] if out else None
        if (last is not None and t.note.kind in GROUPED and last.kind == t.note.kind
                and last.first.note.recipient_id == t.note.recipient_id and last.first.note.post_id == t.note.post_id):
            last.others.append(t)
        else:
            out.append(Item(t.note.kind, t))
    return out


def _before(request: web.Request) -> int | None:
    raw = request.query.get("before", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


async def notifications_page(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    shown = request.query.get("filter", "all")
    shown = shown if shown in FILTERS else "all"
    query = Notification.filter(core.listed(user, with_pages=True))
    if shown == "mentions":
        query = query.filter(kind__in=k.MENTION_KINDS)
    before = _before(request)
    if before is not None:
        query = query.filter(id__lt=before)
    rows = await query.order_by("-id").limit(PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    visible = await core.only_visible(rows)
    pages = {a.id: a for a in await Actor.filter(id__in=list({n.recipient_id for n in visible} - {user.id}))}
    params = "filter=mentions&" if shown == "mentions" else ""
    next_url = f"/notifications?{params}before={rows[-1].id}" if more and rows else None
    return render_page(
        request, "notifications/index.html", items=_group(await told(visible)), sentences=k.SENTENCES, shown=shown,
        next_url=next_url, pages=pages, unread=await core.unread_count(user, with_pages=True),
        flash=gettext(request, "All notifications are marked as read.") if request.query.get("notice") == "read" else "",
    )


async def open_notification(request: web.Request) -> web.StreamResponse:
    """Mark one read (and the same-thing neighbours shown with it), then go to what it is about."""
    user = require_user(request)
    raw = request.match_info["notification_id"]
    note = await Notification.filter(core.listed(user, with_pages=True), id=int(raw)).first() \
        if raw.isdigit() and len(raw) < 19 else None
    if note is None or not await core.only_visible([note]):
        raise web.HTTPNotFound(text="No such notification.")
    await core.mark_read(user, [note.id], with_pages=True)
    item = (await told([note]))[0]
    path = target_path(note, item.from_actor, item.post, item.group)
    raise web.HTTPSeeOther(path or "/notifications")


async def mark_all_read(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    await core.mark_read(user, with_pages=True)
    raise web.HTTPSeeOther("/notifications?notice=read")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/notifications", notifications_page, name="notifications")
    r.add_post("/notifications/read", mark_all_read, name="notifications_read")
    r.add_get("/notifications/{notification_id}", open_notification, name="notification_open")
