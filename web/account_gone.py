"""The URL of a deleted local person: the public key during the grace period (receivers verify the Delete
it signed), then a Tombstone with 410 Gone; people get a 410 page saying the account is gone."""
from __future__ import annotations

from aiohttp import web

from federation.account_deletion import actor_tombstone, deleted_local_person, gone_actor_document
from web.negotiation import activity_response, wants_activity_json
from web.templating import render_page


async def gone_actor_response(request: web.Request, name: str) -> web.StreamResponse | None:
    """The answer for a deleted local person's actor or profile URL, or None when `name` is not one."""
    found = await deleted_local_person(name)
    if found is None:
        return None
    actor, in_grace = found
    if wants_activity_json(request):
        if in_grace:
            return activity_response(gone_actor_document(actor))
        return activity_response(actor_tombstone(actor), status=410)
    return render_page(request, "accounts/gone.html", status=410)
