"""Every aiohttp AppKey, in one place."""
from __future__ import annotations

import jinja2
from aiohttp import web
from tortoise.context import TortoiseContext

from federation.context import FederationContext
from server.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
FEDERATION = web.AppKey("federation", FederationContext)
DATABASE = web.AppKey("database", TortoiseContext)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
SECURE_COOKIES = web.AppKey("secure_cookies", bool)
TRANSLATIONS = web.AppKey("translations", dict)
