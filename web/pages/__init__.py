"""HTML pages for people. Each module registers its routes with setup(app)."""
from __future__ import annotations

from aiohttp import web

from web.pages import (
    accounts, activity_answers, activity_checkins, activity_draws, activity_events, activity_polls, community,
    community_edit, joining, media, moderation,
)
from web.pages import essentials
from web.pages import members_directory
from web.pages import subgroups
from web.pages import feeds, search


def setup_pages(app: web.Application) -> None:
    # community first: media registers hooks on the composers it sets up.
    for module in (accounts, community, community_edit, media, moderation, activity_polls, activity_events,
                   activity_answers, activity_checkins, activity_draws, joining):
        module.setup(app)
    essentials.setup(app)
    members_directory.setup(app)
    subgroups.setup(app)
    search.setup(app)
    feeds.setup(app)
