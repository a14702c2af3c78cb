"""Editing after creation: a group's settings and pictures, a page's profile, and a post.

Each saves through the federation layer, which sends the Update: Update{Group} from the group itself
(federation/groups/admin.py), Update{Service} from the page (federation/actions/profile.py), and Update{Note|Page}
from the post's author (federation/actions/statuses.py). A person's own profile is edited under /settings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from federation import actions
from federation.actions import ActionError, StatusInput
from federation.actions.profile import update_profile
from federation.content import html_to_text
from federation.groups.admin import current_settings, update_group
from federation.groups.intake import thread_root
from federation.local_actors import CATEGORY_LENGTH, LocalActorError, can_act_as, description_html
from federation.vocab import GROUP, PERSON, SERVICE
from models.actors import Actor
from models.groups import ACCEPT, NON_MEMBER_POLICIES, GroupRole
from models.posts import Post
from web import app_keys as keys
from web.i18n import N_
from web.media import MediaError, error_text, profile_media_from_form
from web.pages.community_common import read_form, see_other, text_field, visible_post
from web.sessions import require_user
from web.templating import gettext, render_page, safe_next

MAX_DISPLAY_NAME = 100
MAX_DESCRIPTION = 5000
MAX_RULES = 10000
MAX_TITLE = 300
MAX_SPOILER = 500
# A page's contact details are profile fields under these names (as /pages/new stores them); other fields
# (from the command line, say) are kept as they are, after these.
CONTACT_FIELDS = (("website", "Website"), ("email", "Email"), ("phone", "Phone"))
WEB_ADDRESS = re.compile(r"^https?://[^\s/?#]+\S*$")
EMAIL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_NUMBER = re.compile(r"^\+?[0-9][0-9 ().-]{2,30}$")

TOO_LONG = N_("This is too long: at most %(limit)s characters.")


@dataclass
class Outcome:
    """A form's values as typed, and its errors by field name (shown in place, with a 422)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    media_error: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.media_error)


def _limited(request: web.Request, outcome: Outcome, form: MultiDictProxy[Any], name: str, limit: int) -> str:
    """A text field, with an error in place when it is longer than `limit` (never silently cut)."""
    raw = form.get(name, "")
    value = raw.strip() if isinstance(raw, str) else ""
    if len(value) > limit:
        outcome.errors[name] = gettext(request, TOO_LONG, limit=limit)
    outcome.values[name] = value
    return value


# --- a group ------------------------------------------------------------------------------------------------------


async def _editable_group(request: web.Request) -> tuple[Actor, Actor]:
    """(the signed-in user, the local group they may edit): its owner or a moderator, else 403."""
    user = require_user(request)
    group = await Actor.filter(type=GROUP, is_local=True, deleted_at=None,
                               group_name=request.match_info["name"].lower()).first()
    if group is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such group here."))
    if not await GroupRole.filter(group=group, actor=user).exists():
        raise web.HTTPForbidden(text=gettext(request, "Only the group's owner and moderators can change it."))
    return user, group


async def edit_group(request: web.Request) -> web.StreamResponse:
    _, group = await _editable_group(request)
    current = await current_settings(group)
    values = {
        "display_name": group.display_name or "", "description": current.description, "rules": current.rules,
        "private": "1" if current.private else "", "restricted_posting": "1" if current.restricted_posting else "",
        "non_member_posts": current.non_member_posts or ACCEPT, "discoverable": "1" if current.discoverable else "",
    }
    return _group_form(request, group, Outcome(values=values))


def _group_form(request: web.Request, group: Actor, outcome: Outcome) -> web.Response:
    return render_page(request, "community/edit_group.html", status=422 if outcome.failed else 200, group=group,
                       media_owner=group, form=outcome.values, errors=outcome.errors, media_error=outcome.media_error,
                       policies=NON_MEMBER_POLICIES)


async def save_group(request: web.Request) -> web.StreamResponse:
    _, group = await _editable_group(request)
    form = await read_form(request)
    outcome = Outcome()
    display_name = _limited(request, outcome, form, "display_name", MAX_DISPLAY_NAME)
    description = _limited(request, outcome, form, "description", MAX_DESCRIPTION)
    rules = _limited(request, outcome, form, "rules", MAX_RULES)
    flags = {name: bool(form.get(name)) for name in ("private", "restricted_posting", "discoverable")}
    outcome.values.update({name: "1" if on else "" for name, on in flags.items()})
    policy = str(form.get("non_member_posts", ""))
    outcome.values["non_member_posts"] = policy
    if policy not in NON_MEMBER_POLICIES:
        outcome.errors["non_member_posts"] = gettext(request, "Choose what happens to posts from non-members.")
    if outcome.failed:
        return _group_form(request, group, outcome)
    try:
        # Stored only now that the rest of the form is valid; a refused image stores nothing.
        media = await profile_media_from_form(request, group, form)
    except MediaError as exc:
        outcome.media_error = error_text(request, exc)
        return _group_form(request, group, outcome)
    changes = dict(display_name=display_name or None, description=description, rules=rules,
                   private=flags["private"], restricted_posting=flags["restricted_posting"],
                   non_member_posts=policy, discoverable=flags["discoverable"])
    before = await current_settings(group)
    unchanged = not media and all(getattr(before, name) == value for name, value in changes.items())
    if not unchanged:
        try:
            await update_group(request.app[keys.FEDERATION], group, media=media, **changes)
        except LocalActorError as exc:
            outcome.errors["form"] = gettext(request, str(exc))
            return _group_form(request, group, outcome)
    raise see_other(f"/groups/{group.group_name}", "group_saved")


# --- a page (and a person's own profile, which lives under /settings) --------------------------------------------


async def _editable_profile(request: web.Request) -> tuple[Actor, Actor]:
    user = require_user(request)
    actor = await Actor.filter(local_name=request.match_info["name"].lower(), is_local=True, deleted_at=None).first()
    if actor is None or actor.type not in (PERSON, SERVICE):
        raise web.HTTPNotFound(text=gettext(request, "There is no such profile here."))
    if actor.type == PERSON:
        if actor.id == user.id:
            raise web.HTTPSeeOther("/settings")  # name, bio and pictures are edited there
        raise web.HTTPForbidden(text=gettext(request, "Only they can change their profile."))
    if not await can_act_as(user, actor):
        raise web.HTTPForbidden(text=gettext(request, "Only the page's admins can change the page."))
    return user, actor


def _contact_values(page: Actor) -> dict[str, str]:
    stored = {str(f.get("name", "")).lower(): str(f.get("value", ""))
              for f in page.profile_fields or [] if isinstance(f, dict)}
    return {key: stored.get(label.lower(), "") for key, label in CONTACT_FIELDS}


async def edit_page(request: web.Request) -> web.StreamResponse:
    _, page = await _editable_profile(request)
    values = {"display_name": page.display_name or "", "category": page.category or "",
              "summary": html_to_text(page.summary or ""), **_contact_values(page)}
    return _page_form(request, page, Outcome(values=values))


def _page_form(request: web.Request, page: Actor, outcome: Outcome) -> web.Response:
    return render_page(request, "community/edit_page.html", status=422 if outcome.failed else 200, page=page,
                       media_owner=page, form=outcome.values, errors=outcome.errors, media_error=outcome.media_error)


def _contacts(request: web.Request, outcome: Outcome, form: MultiDictProxy[Any], page: Actor) -> list[dict[str, str]]:
    """The page's profile fields: the contact details from the form, then any other fields it had."""
    checks = {
        "website": (WEB_ADDRESS, N_("Give a web address that starts with https:// or http://.")),
        "email": (EMAIL_ADDRESS, N_("Give an email address, like info@example.org.")),
        "phone": (PHONE_NUMBER, N_("Give a phone number: digits, spaces, and + ( ) - . only.")),
    }
    fields: list[dict[str, str]] = []
    for key, label in CONTACT_FIELDS:
        value = _limited(request, outcome, form, key, 300)
        pattern, message = checks[key]
        if value and not pattern.match(value):
            outcome.errors.setdefault(key, gettext(request, message))
        if value:
            fields.append({"name": label, "value": value})
    contact_names = {label.lower() for _, label in CONTACT_FIELDS}
    fields += [f for f in page.profile_fields or []
               if isinstance(f, dict) and str(f.get("name", "")).lower() not in contact_names]
    return fields


async def save_page(request: web.Request) -> web.StreamResponse:
    _, page = await _editable_profile(request)
    form = await read_form(request)
    outcome = Outcome()
    display_name = _limited(request, outcome, form, "display_name", MAX_DISPLAY_NAME)
    category = _limited(request, outcome, form, "category", CATEGORY_LENGTH)
    summary = _limited(request, outcome, form, "summary", MAX_DESCRIPTION)
    profile_fields = _contacts(request, outcome, form, page)
    if outcome.failed:
        return _page_form(request, page, outcome)
    try:
        media = await profile_media_from_form(request, page, form)
    except MediaError as exc:
        outcome.media_error = error_text(request, exc)
        return _page_form(request, page, outcome)
    before = (page.display_name, page.category, page.summary, page.profile_fields, page.icon_url, page.image_url)
    page.display_name = display_name or None
    page.category = category or None
    page.summary = description_html(summary, request.app[keys.FEDERATION].urls)
    page.profile_fields = profile_fields
    for attribute, url in media.items():
        setattr(page, attribute, url)
    if (page.display_name, page.category, page.summary, page.profile_fields, page.icon_url, page.image_url) != before:
        # Saves the page and sends Update{Service} to its followers.
        await update_profile(request.app[keys.FEDERATION], page, ["display_name", "category", "summary",
                                                                  "profile_fields", "icon_url", "image_url"])
    raise see_other(f"/@{page.local_name}", "page_saved")


# --- a post -------------------------------------------------------------------------------------------------------


async def _editable_post(request: web.Request) -> tuple[Actor, Post]:
    """(the signed-in user, their own post they may still change): 404 when they may not see it, 403 when it
    is someone else's or its thread is locked."""
    user = require_user(request)
    found = await visible_post(request, request.match_info["post_id"])
    post = found.post
    if post.author_id != user.id:
        raise web.HTTPForbidden(text=gettext(request, "Only its author can edit a post."))
    if post.removed_at is not None:
        raise web.HTTPForbidden(text=gettext(request, "This post was removed by a moderator."))
    if (await thread_root(post)).locked_at is not None:
        raise web.HTTPForbidden(text=gettext(request, "This thread is locked: its posts cannot be changed."))
    return user, post


def _post_form(request: web.Request, post: Post, outcome: Outcome, back: str) -> web.Response:
    return render_page(request, "community/edit_post.html", status=422 if outcome.failed else 200, post=post,
                       titled=post.name is not None, form=outcome.values, errors=outcome.errors, back=back)


def _back(request: web.Request, value: object, post: Post) -> str:
    return safe_next(str(value or ""), f"/threads/{post.id}").partition("#")[0]


async def edit_post(request: web.Request) -> web.StreamResponse:
    _, post = await _editable_post(request)
    values = {"title": post.name or "", "body": post.source if post.source is not None else html_to_text(post.content),
              "spoiler_text": post.summary or ""}
    if post.name is not None and post.source == post.name:
        values["body"] = ""  # a titled post without text stores its title as its text
    back = _back(request, request.query.get("next"), post)
    return _post_form(request, post, Outcome(values=values), back)


async def save_post(request: web.Request) -> web.StreamResponse:
    user, post = await _editable_post(request)
    form = await read_form(request)
    back = _back(request, form.get("next"), post)
    outcome = Outcome()
    titled = post.name is not None
    title = _limited(request, outcome, form, "title", MAX_TITLE) if titled else ""
    body = text_field(form, "body")
    outcome.values["body"] = body
    spoiler = _limited(request, outcome, form, "spoiler_text", MAX_SPOILER)
    if titled and not title:
        outcome.errors["title"] = gettext(request, "Give your post a title.")
    if not titled and not body and not post.attachments:
        outcome.errors["body"] = gettext(request, "Write something to post.")
    if outcome.failed:
        return _post_form(request, post, outcome, back)
    # Marked sensitive without a content warning: by a content rule or the author's client; that stays.
    sensitive = post.sensitive and not post.summary
    data = StatusInput(text=body or title, spoiler_text=spoiler, title=title or None, sensitive=sensitive,
                       language=post.language)
    try:
        await actions.edit_status(request.app[keys.FEDERATION], user, post, data)
    except ActionError as exc:
        outcome.errors["form"] = gettext(request, str(exc))
        return _post_form(request, post, outcome, back)
    raise see_other(f"{back}#post-{post.id}", "post_edited")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/groups/{name}/edit", edit_group, name="group_edit")
    r.add_post("/groups/{name}/edit", save_group, name="group_edit_save")
    r.add_get("/@{name}/edit", edit_page, name="profile_edit")
    r.add_post("/@{name}/edit", save_page, name="profile_edit_save")
    r.add_get("/threads/{post_id}/edit", edit_post, name="post_edit")
    r.add_post("/threads/{post_id}/edit", save_post, name="post_edit_save")
