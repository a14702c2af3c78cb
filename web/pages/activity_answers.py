"""Placeholder: the answers pages (issue 10)."""
from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    pass
