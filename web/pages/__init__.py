"""HTML pages for people. Each module registers its routes with setup(app)."""
from __future__ import annotations

from aiohttp import web

from web.pages import (
    accounts, activity_answers, activity_checkins, activity_draws, activity_events, activity_polls, community,
    community_edit, media, moderation,
)


def setup_pages(app: web.Application) -> None:
    # community first: media registers hooks on the composers it sets up.
    for module in (accounts, community, community_edit, media, moderation, activity_polls, activity_events,
                   activity_answers, activity_checkins, activity_draws):
        module.setup(app)
