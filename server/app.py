"""The app factory."""
from __future__ import annotations

from aiohttp import web

from server import keys
from server.health import operations, setup_operations
from server.lifecycle import database_ctx, federation_ctx, streaming_ctx, workers_ctx
from server.settings import Settings
from web.api.errors import json_errors
from web.csrf import csrf_protect
from web.error_pages import error_pages
from web.i18n import load_catalogues
from web.media import MAX_ATTACHMENTS
from web.sessions import load_session
from web.middleware import fresh_instance_info, security_headers, use_app_database
from web.route_middlewares import fold_middlewares
from web.routes import setup_routes
from web.templating import make_environment

# What the inboxes (server-to-server routes) run through: timing and the access log, the database, the
# response headers and JSON errors. The others pass their requests through unchanged (web/route_middlewares.py).
SERVER_ROUTE_MIDDLEWARES = (operations, use_app_database, security_headers, json_errors)
# Inbox bodies are capped at 1 MiB by the inbox route itself; this is the ceiling for everything else,
# raised by room for a form with the most image uploads (each image is checked against its own limit).
CLIENT_MAX_SIZE = 2 * 1024 * 1024


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[use_app_database, fresh_instance_info, security_headers, json_errors, load_session, error_pages,
                     csrf_protect],
        client_max_size=CLIENT_MAX_SIZE + MAX_ATTACHMENTS * settings.media_max_bytes,
    )
    app[keys.SETTINGS] = settings
    app[keys.TEMPLATES] = make_environment()
    app[keys.TRANSLATIONS] = load_catalogues()
    app[keys.SECURE_COOKIES] = settings.base_url.startswith("https://")
    app.cleanup_ctx.extend([database_ctx, federation_ctx, streaming_ctx, workers_ctx])
    setup_operations(app)  # /healthz, /readyz, /metrics and the request log (server/health.py)
    setup_routes(app)
    fold_middlewares(app, SERVER_ROUTE_MIDDLEWARES)  # last: every middleware is in place
    return app
