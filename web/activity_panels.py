"""What the community activities add to a thread page: a poll's form, an event's registration, a draw's
commitment... Each activity registers a loader in setup(); the thread page merges what they return and
web/templates/activities/_thread_panels.html shows each part present."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from aiohttp import web

from models.actors import Actor
from models.posts import Post

# A loader returns {"poll": {...}} or {} when the post has nothing of its kind. It decides nothing about who
# may see the post: the thread page only calls it for a post federation/audience.py let the viewer see.
PanelLoader = Callable[[web.Request, Post, Actor | None], Awaitable[dict[str, Any]]]
THREAD_PANELS = web.AppKey("thread_panels", list)


def register_panel(app: web.Application, loader: PanelLoader) -> None:
    if THREAD_PANELS not in app:
        app[THREAD_PANELS] = []
    app[THREAD_PANELS].append(loader)


async def thread_panels(request: web.Request, post: Post, viewer: Actor | None) -> dict[str, Any]:
    panels: dict[str, Any] = {}
    for loader in request.app.get(THREAD_PANELS, []):
        panels.update(await loader(request, post, viewer))
    return panels
