"""Sentences for the moderation log of running a community (federation/community/members_tags.py and joining.py):
member tags defined, renamed, deleted, given and taken away; how people join; invitation links.

sentences.py merges COMMUNITY_SENTENCES into SENTENCES.
"""
from __future__ import annotations

from typing import Callable

from models.moderation import ModLogEntry
from web.i18n import N_
from web.modlog_text.targets import Targets
from web.modlog_text.writer import Part, Writer

Sentence = tuple[Part, list[Part]]

MEMBER_TAGS = {  # the target is the tag's name
    "member_tag.defined": N_("%(moderator)s created the member tag %(tag)s in %(group)s"),
    "member_tag.renamed": N_("%(moderator)s renamed the member tag %(old)s to %(tag)s in %(group)s"),
    "member_tag.deleted": N_("%(moderator)s deleted the member tag %(tag)s in %(group)s"),
}
MEMBER_TAGGINGS = {  # the target is the member; the tag's name is in the details
    "member_tag.given": N_("%(moderator)s gave %(target)s the tag %(tag)s in %(group)s"),
    "member_tag.taken": N_("%(moderator)s took the tag %(tag)s away from %(target)s in %(group)s"),
}
JOIN_SETTINGS = N_("%(moderator)s changed %(settings)s for joining %(group)s")
JOIN_SETTING_NAMES = {
    "questions": N_("the questions"),
    "rules": N_("whether people must agree to the rules"),
    "welcome": N_("the welcome message"),
}
SOME_JOIN_SETTINGS = N_("%(moderator)s changed how people join %(group)s")
INVITES = {
    "group_invite.created": N_("%(moderator)s created an invitation link for %(group)s"),
    "group_invite.revoked": N_("%(moderator)s withdrew an invitation link for %(group)s"),
}


def _details(entry: ModLogEntry) -> dict[str, object]:
    return entry.details if isinstance(entry.details, dict) else {}


def _parts(w: Writer, entry: ModLogEntry) -> dict[str, Part]:
    return {"moderator": w.moderator(entry.moderator), "group": w.group(entry.group)}


def _member_tag(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    if entry.action in MEMBER_TAGGINGS:
        return w.fill(MEMBER_TAGGINGS[entry.action], target=w.actor(t.actors.get(entry.target)),
                      tag=w.quoted(str(_details(entry).get("tag") or "?")), **_parts(w, entry)), []
    return w.fill(MEMBER_TAGS[entry.action], tag=w.quoted(entry.target or "?"),
                  old=w.quoted(str(_details(entry).get("old_name") or "?")), **_parts(w, entry)), []


def _join_settings(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    keys = [key for key in (entry.target or "").split(",") if key in JOIN_SETTING_NAMES]
    if not keys:
        return w.fill(SOME_JOIN_SETTINGS, **_parts(w, entry)), []
    return w.fill(JOIN_SETTINGS, settings=w.listing([w.fill(JOIN_SETTING_NAMES[key]) for key in keys]),
                  **_parts(w, entry)), []


def _invite(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    return w.fill(INVITES[entry.action], **_parts(w, entry)), []


COMMUNITY_SENTENCES: dict[str, Callable[[Writer, ModLogEntry, Targets, bool], Sentence]] = {
    **{code: _member_tag for code in (*MEMBER_TAGS, *MEMBER_TAGGINGS)},
    "joining.settings": _join_settings,
    **{code: _invite for code in INVITES},
}
