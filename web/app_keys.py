"""Every aiohttp AppKey the web layer reads. server/ fills them in when it wires the app.

They live here, not in server/, so that imports flow one way (web -> federation -> models).
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

import jinja2
from aiohttp import web
from tortoise.context import TortoiseContext

from federation.context import FederationContext


class WebSettings(Protocol):
    """The settings the web layer reads (server.settings.Settings provides them)."""

    @property
    def base_url(self) -> str: ...

    @property
    def data_dir(self) -> Path: ...

    @property
    def media_max_bytes(self) -> int: ...


SETTINGS = web.AppKey("settings", WebSettings)
FEDERATION = web.AppKey("federation", FederationContext)
DATABASE = web.AppKey("database", TortoiseContext)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
SECURE_COOKIES = web.AppKey("secure_cookies", bool)
TRANSLATIONS = web.AppKey("translations", dict)
