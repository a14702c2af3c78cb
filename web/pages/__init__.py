"""HTML pages for people. Each module registers its routes with setup(app)."""
from __future__ import annotations

import importlib

from aiohttp import web

# Page modules, each with setup(app). Listed here so web/routes.py stays one table.
PAGE_MODULES = ("web.pages.community", "web.pages.media", "web.pages.moderation")


def setup_optional_pages(app: web.Application) -> None:
    for name in PAGE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.setup(app)
