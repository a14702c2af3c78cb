"""HTML pages for people. Each module registers its routes with setup(app)."""
from __future__ import annotations

from aiohttp import web

from web.pages import (
    accounts, activity_answers, activity_checkins, activity_draws, activity_events, activity_polls, community,
    community_edit, joining, media, moderation,
)
from web.pages import essentials
from web.pages import admin_queues
from web.pages import members_directory
from web.pages import group_insights, instance_insights
from web.pages import subgroups
from web.pages import feeds, search
from web.pages import promotions
from web.pages import page_insights
from web.pages import conversations, password_reset, settings_account
from web.pages import conversation_new
from web.pages import notifications, settings_notifications
from web.pages import settings_apps
from web.pages import personal_blocks


def setup_pages(app: web.Application) -> None:
    # community first: media registers hooks on the composers it sets up.
    for module in (accounts, community, community_edit, media, moderation, activity_polls, activity_events,
                   activity_answers, activity_checkins, activity_draws, joining):
        module.setup(app)
    essentials.setup(app)
    members_directory.setup(app)
    group_insights.setup(app)
    instance_insights.setup(app)
    subgroups.setup(app)
    search.setup(app)
    feeds.setup(app)
    promotions.setup(app)
    page_insights.setup(app)
    settings_account.setup(app)
    password_reset.setup(app)
    conversations.setup(app)
    conversation_new.setup(app)
    notifications.setup(app)
    settings_notifications.setup(app)
    admin_queues.setup(app)
    settings_apps.setup(app)
    personal_blocks.setup(app)
