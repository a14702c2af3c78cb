"""Scopes in plain words for the consent page and the settings' list of apps."""
from __future__ import annotations

from aiohttp import web

from web.i18n import N_
from web.templating import gettext

SCOPE_WORDS: dict[str, str] = {
    "read": N_("Read everything in your account: posts, timelines, notifications, follows, bookmarks and settings"),
    "write": N_("Post, edit and delete posts, like, boost and bookmark, and change your profile and settings"),
    "follow": N_("Follow and unfollow accounts, and block and mute them"),
    "push": N_("Send you push notifications"),
    "profile": N_("See your name and profile picture"),
    "admin:read": N_("Read this server's moderation data"),
    "admin:write": N_("Take moderation actions on this server"),
    "read:accounts": N_("See profiles and your account's details"),
    "read:blocks": N_("See whom you block"),
    "read:bookmarks": N_("See your bookmarks"),
    "read:favourites": N_("See the posts you liked"),
    "read:filters": N_("See your filters"),
    "read:follows": N_("See whom you follow and who asks to follow you"),
    "read:lists": N_("See your lists"),
    "read:mutes": N_("See whom you mute"),
    "read:notifications": N_("See your notifications"),
    "read:search": N_("Search as you"),
    "read:statuses": N_("Read posts and timelines"),
    "write:accounts": N_("Change your profile and account settings"),
    "write:blocks": N_("Block and unblock accounts and servers"),
    "write:bookmarks": N_("Bookmark posts"),
    "write:conversations": N_("Hide and mark your conversations"),
    "write:favourites": N_("Like posts"),
    "write:filters": N_("Change your filters"),
    "write:follows": N_("Follow and unfollow accounts"),
    "write:lists": N_("Change your lists"),
    "write:media": N_("Upload images"),
    "write:mutes": N_("Mute and unmute accounts and conversations"),
    "write:notifications": N_("Clear your notifications"),
    "write:reports": N_("Report accounts and posts"),
    "write:statuses": N_("Post, edit and delete posts"),
}
ADMIN_READ = N_("Read this server's moderation data (%(scope)s)")
ADMIN_WRITE = N_("Take moderation actions on this server (%(scope)s)")


def describe(request: web.Request, scope: str) -> str:
    if scope in SCOPE_WORDS:
        return gettext(request, SCOPE_WORDS[scope])
    if scope.startswith("admin:read:"):
        return gettext(request, ADMIN_READ, scope=scope.removeprefix("admin:read:").replace("_", " "))
    if scope.startswith("admin:write:"):
        return gettext(request, ADMIN_WRITE, scope=scope.removeprefix("admin:write:").replace("_", " "))
    return scope


def describe_all(request: web.Request, scopes: list[str]) -> list[str]:
    return [describe(request, scope) for scope in scopes]
