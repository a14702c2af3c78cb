"""Typed keys for what middlewares store on a request."""
from __future__ import annotations

from typing import Optional

from aiohttp import web

from models.accounts import WebSession
from models.actors import Actor, LocalUser

USER = web.RequestKey("user", Optional[Actor])
SESSION = web.RequestKey("session", Optional[WebSession])
ACCOUNT = web.RequestKey("account", Optional[LocalUser])
CSRF_TOKEN = web.RequestKey("csrf_token", str)
CSRF_NEW = web.RequestKey("csrf_new", bool)
LOCALE = web.RequestKey("locale", str)
# True when the signed-in user is an admin or moderates a group: the nav then links to /moderation.
MODERATES = web.RequestKey("moderates", bool)
# The signed-in person's unread notifications (and their pages'), for the bell in the nav.
UNREAD_NOTIFICATIONS = web.RequestKey("unread_notifications", int)
