"""Jinja2 rendering: a base layout plus a macro library, autoescaped."""
from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web

from server import keys


def make_environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        enable_async=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    settings = request.app[keys.SETTINGS]
    html = request.app[keys.TEMPLATES].get_template(template).render(
        instance_name=settings.instance_name, base_url=settings.base_url, **context
    )
    response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    response.headers["Vary"] = "Accept"
    return response
