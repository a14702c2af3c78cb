"""Errors for people: 404, 403, 500 and the rest as pages in the site's style."""
from __future__ import annotations

import logging
from typing import Awaitable, Callable

from aiohttp import web

from web.api.errors import exception_message, kept_headers, wants_json_errors
from web.i18n import N_
from web.negotiation import wants_activity_json
from web.templating import gettext, render_page

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

TITLES = {
    400: N_("This request cannot be handled"),
    403: N_("You cannot do that here"),
    404: N_("Page not found"),
    405: N_("This page does not take that"),
    413: N_("That is too large"),
    429: N_("Slow down"),
    500: N_("Something went wrong"),
}
NOT_HERE = N_("The page you asked for is not here.")


def _page(request: web.Request, status: int, message: str) -> web.Response:
    title = gettext(request, TITLES.get(status, "Something went wrong"))
    return render_page(request, "error.html", status=status, title=title, message=message)


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    if wants_json_errors(request) or wants_activity_json(request):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = exception_message(exc, NOT_HERE if exc.status == 404 else exc.reason)
        response = _page(request, exc.status, gettext(request, message))
        response.headers.update(kept_headers(exc))
        return response
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _page(request, 500, gettext(request, "The error was logged. Please try again in a moment."))
