"""Small helpers the templates share, in Python because a page calls them hundreds of times (a Jinja macro call
costs several times more): where an actor's page is, icons, avatars and <time> elements. Each returns escaped
Markup; the macros of the same names in macros.html call them."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

import jinja2
from markupsafe import Markup, escape

from models.actors import Actor
from web.timezones import local_time_filter, relative_time_filter


def actor_href(actor: Actor | None) -> str:
    """Where people read an actor: its page here when it is local, else its own page on its server."""
    if not isinstance(actor, Actor):
        return ""  # none, or a relation that was not fetched
    if actor.is_local:
        if actor.type == "Group":
            return f"/groups/{actor.group_name}"
        if actor.type != "Application":
            return f"/@{actor.local_name}"
    return actor.url or actor.uri


def icon_maker(asset: Callable[[str], str]) -> Callable[..., Markup]:
    sprite = asset("icons.svg")
    cache: dict[tuple[str, str], Markup] = {}

    def icon(name: str, label: str = "") -> Markup:
        key = (name, label)
        if key not in cache:
            described = f' role="img" aria-label="{escape(label)}"' if label else ' aria-hidden="true"'
            cache[key] = Markup(f'<svg class="icon"{described} focusable="false">'
                                f'<use href="{escape(sprite)}#{escape(name)}"></use></svg>')
        return cache[key]

    return icon


def avatar(actor: Actor, size: str = "", link: bool = True) -> Markup:
    """An actor's picture, or its initial on a colour taken from its id; decoration (the name is always beside)."""
    kind = "group" if actor.type == "Group" else ("page" if actor.type == "Service" else "")
    classes = " ".join(part for part in ("avatar", size, kind) if part)
    if actor.icon_url:
        inner = f'<img class="{classes}" src="{escape(actor.icon_url)}" alt="" loading="lazy">'
    else:
        name = (actor.display_name or actor.username or "?").strip() or "?"
        inner = f'<span class="{classes} c{(actor.id or 0) % 8}" aria-hidden="true">{escape(name[0])}</span>'
    href = actor_href(actor) if link else ""
    if href:
        inner = f'<a href="{escape(href)}" tabindex="-1" aria-hidden="true">{inner}</a>'
    return Markup(inner)


@jinja2.pass_context
def time_tag(context: jinja2.runtime.Context, value: datetime | None, link: str = "") -> Markup:
    """`<time>` with the relative time, the full local time as its title, and the ISO time for machines."""
    if value is None:
        return Markup("")
    html = (f'<time datetime="{value.isoformat()}" title="{escape(local_time_filter(context, value))}">'
            f"{escape(relative_time_filter(context, value))}</time>")
    return Markup(f'<a href="{escape(link)}">{html}</a>' if link else html)


def register(env: jinja2.Environment, asset: Callable[[str], str]) -> None:
    env.globals.update(actor_href=actor_href, icon_svg=icon_maker(asset), avatar_html=avatar, time_html=time_tag)

