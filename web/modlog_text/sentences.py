"""One sentence per action code: "ada removed ben's reply in Allotment Growers".

Every code that federation/ and web/ record (grep `modlog.record(`) has an entry in SENTENCES; a code not
known here reads as a general sentence, never as the code. Messages are whole sentences with placeholders,
so each language orders the words its own way ("ada heeft de reactie van ben in … verwijderd").
"""
from __future__ import annotations

import ast
import re
from datetime import datetime
from typing import Callable

from federation.protocol.common import parse_datetime
from models.moderation import ModLogEntry
from web.i18n import N_
from web.modlog_text.community import COMMUNITY_SENTENCES
from web.modlog_text.promotions import PROMOTION_SENTENCES
from web.modlog_text.targets import Targets, report_id
from web.modlog_text.writer import Part, Writer

# (main sentence, further sentences); describe() adds the entry's reason to the main sentence, except for the
# codes in NO_REASON.
Sentence = tuple[Part, list[Part]]
Describe = Callable[[Writer, ModLogEntry, Targets, bool], Sentence]

# --- what a target is called ----------------------------------------------------------------------

POST_WITH_TITLE = N_("%(author)s's post “%(title)s”")
POST = N_("%(author)s's post")
REPLY = N_("%(author)s's reply")
GONE_POST = N_("a post that is gone")
SOME_POST = N_("a post")
HELD_POST = N_("a held post by %(author)s")
HELD_REPLY = N_("a held reply by %(author)s")
GONE_HELD = N_("a held post that is gone")
REPORT_ABOUT = N_("a report about %(target)s")
SOME_REPORT = N_("a report")


def post_phrase(w: Writer, target: str, targets: Targets, hidden: bool) -> Part:
    """"ben's reply", linked to its thread; "a post" when the viewer may not see it."""
    if hidden:
        return w.fill(SOME_POST)
    post = targets.posts.get(target)
    if post is None:
        return w.fill(GONE_POST)
    author = w.text(post.author.display_name or post.author.username or "?")
    if post.in_reply_to_uri:
        phrase = w.fill(REPLY, author=author)
    elif post.name:
        phrase = w.fill(POST_WITH_TITLE, author=author, title=w.text(" ".join(post.name.split())[:80]))
    else:
        phrase = w.fill(POST, author=author)
    return phrase if post.deleted_at else w.link(f"/threads/{post.id}", phrase)


def held_phrase(w: Writer, target: str, targets: Targets, hidden: bool) -> Part:
    item = targets.held.get(target)
    if item is None:
        return w.fill(GONE_HELD)
    doc = item.activity.get("object") if isinstance(item.activity, dict) else None
    is_reply = isinstance(doc, dict) and bool(doc.get("inReplyTo"))
    phrase = w.fill(HELD_REPLY if is_reply else HELD_POST, author=w.text(
        item.actor.display_name or item.actor.username or "?"))
    post = targets.held_post(item)
    return w.link(f"/threads/{post.id}", phrase) if post is not None and not post.deleted_at and not hidden else phrase


# --- the sentences ----------------------------------------------------------------------------------

POSTS = {
    "post.removed": N_("%(moderator)s removed %(target)s in %(group)s"),
    "post.restored": N_("%(moderator)s restored %(target)s in %(group)s"),
    "post.locked": N_("%(moderator)s locked %(target)s in %(group)s"),
    "post.unlocked": N_("%(moderator)s unlocked %(target)s in %(group)s"),
    "post.pinned": N_("%(moderator)s pinned %(target)s in %(group)s"),
    "post.unpinned": N_("%(moderator)s unpinned %(target)s in %(group)s"),
    # Q&A (federation/activities/answers.py): the target is the reply.
    "answer.accepted": N_("%(moderator)s accepted %(target)s as the answer in %(group)s"),
    "answer.unaccepted": N_("%(moderator)s withdrew %(target)s as the accepted answer in %(group)s"),
}

MEMBERS = {
    "member.banned": N_("%(moderator)s banned %(target)s from %(group)s"),
    "member.unbanned": N_("%(moderator)s lifted the ban on %(target)s in %(group)s"),
    "member.muted": N_("%(moderator)s muted %(target)s in %(group)s"),
    "member.unmuted": N_("%(moderator)s unmuted %(target)s in %(group)s"),
    "member.removed": N_("%(moderator)s removed %(target)s from %(group)s"),
    "moderator.added": N_("%(moderator)s made %(target)s a moderator of %(group)s"),
    "moderator.removed": N_("%(moderator)s removed %(target)s as a moderator of %(group)s"),
    # federation/groups/succession.py: a group or page whose owner's account was deleted
    "group.succeeded": N_("%(moderator)s took over %(group)s because %(target)s's account was deleted"),
    "join.approved": N_("%(moderator)s approved %(target)s's request to join %(group)s"),
    "join.rejected": N_("%(moderator)s rejected %(target)s's request to join %(group)s"),
}
BAN_ENDS = N_("The ban ends on %(date)s.")
MUTE_ENDS = N_("The mute ends on %(date)s.")
DATA_REMOVED = N_("Their posts in the group were removed.")

HELD = {  # (in a group, for the whole server)
    "held.approved": (N_("%(moderator)s approved %(target)s in %(group)s"), N_("%(moderator)s approved %(target)s")),
    "held.rejected": (N_("%(moderator)s rejected %(target)s in %(group)s"), N_("%(moderator)s rejected %(target)s")),
}
HELD_EXPIRED = (N_("Nobody reviewed %(target)s in %(group)s in time, so it expired"),
                N_("Nobody reviewed %(target)s in time, so it expired"))
TRUSTED_FROM_NOW = N_("%(author)s is trusted from now on.")

REPORTS = {
    "report.resolved": (N_("%(moderator)s resolved %(target)s in %(group)s"), N_("%(moderator)s resolved %(target)s")),
    "report.dismissed": (N_("%(moderator)s dismissed %(target)s in %(group)s"),
                         N_("%(moderator)s dismissed %(target)s")),
}

RULES_ADDED = {  # rule action: (in a group, for the whole server)
    "reject": (N_("%(moderator)s added a rule to %(group)s that rejects posts matching %(pattern)s"),
               N_("%(moderator)s added a server-wide rule that rejects posts matching %(pattern)s")),
    "hold": (N_("%(moderator)s added a rule to %(group)s that holds posts matching %(pattern)s for review"),
             N_("%(moderator)s added a server-wide rule that holds posts matching %(pattern)s for review")),
    "mark-sensitive": (
        N_("%(moderator)s added a rule to %(group)s that marks posts matching %(pattern)s as sensitive"),
        N_("%(moderator)s added a server-wide rule that marks posts matching %(pattern)s as sensitive")),
}
RULE_REMOVED = (N_("%(moderator)s removed the rule for %(pattern)s from %(group)s"),
                N_("%(moderator)s removed the server-wide rule for %(pattern)s"))
_RULE = re.compile(r"rule \d+: (\S+) (.+)", re.S)

DOMAINS = {
    "domain.suspend": N_("%(moderator)s suspended %(domain)s"),
    "domain.limit": N_("%(moderator)s limited %(domain)s"),
    "domain.reject-media": N_("%(moderator)s rejected media from %(domain)s"),
    "domain.allow": N_("%(moderator)s allowed %(domain)s"),
    "domain.cleared": N_("%(moderator)s cleared the policy for %(domain)s"),
}
POLICY_ENDS = N_("The policy ends on %(date)s.")

ACTORS = {
    "actor.suspend": N_("%(moderator)s suspended %(target)s"),
    "actor.limit": N_("%(moderator)s limited %(target)s"),
    "actor.trusted": N_("%(moderator)s marked %(target)s as trusted"),
    "actor.cleared": N_("%(moderator)s cleared the policy for %(target)s"),
    "user.suspended": N_("%(moderator)s suspended %(target)s's account"),
    "user.unsuspended": N_("%(moderator)s lifted the suspension of %(target)s's account"),
    "user.promoted": N_("%(moderator)s made %(target)s an admin"),
    "user.demoted": N_("%(moderator)s removed %(target)s's admin rights"),
    "user.password_reset": N_("%(moderator)s reset %(target)s's password"),
    "user.deletion_cancelled": N_("%(moderator)s cancelled the deletion of %(target)s's account"),
}

SETTINGS_CHANGED = N_("%(moderator)s changed %(settings)s of the server")
SETTINGS = {  # the keys federation/instance_settings.py stores
    "instance_name": N_("the name"),
    "instance_description": N_("the description"),
    "instance_rules": N_("the rules"),
    "instance_accent": N_("the accent colour"),
    "instance_logo": N_("the logo"),
    "instance_favicon": N_("the favicon"),
    "require_email_confirmation": N_("whether new accounts confirm their email address"),
    "promotion_policy": N_("the promotion policy"),  # federation/promotions/policy.py
    "promotion_daily_cap": N_("the number of promoted posts per person per day"),
}
OTHER_SETTINGS = N_("other settings")
SOME_SETTINGS = N_("%(moderator)s changed the server's settings")
FEDERATION_MODES = {
    "blocklist": N_("%(moderator)s let the server federate with every server except suspended ones"),
    "allowlist": N_("%(moderator)s limited federation to the servers on the allowlist"),
}
FEDERATION_CHANGED = N_("%(moderator)s changed which servers this one federates with")
REGISTRATION_MODES = {
    "open": N_("%(moderator)s opened sign-ups to anyone"),
    "approval": N_("%(moderator)s made sign-ups wait for an admin's approval"),
    "invite": N_("%(moderator)s made sign-ups invitation-only"),
}
REGISTRATION_CHANGED = N_("%(moderator)s changed who can sign up")
INVITE_CREATED = N_("%(moderator)s created an invitation")
REGISTRATIONS = {
    "registration.approved": N_("%(moderator)s approved %(target)s's sign-up"),
    "registration.rejected": N_("%(moderator)s rejected %(target)s's sign-up"),
}

CHECKINS = {  # the target is the check-in's prompt
    "checkin.started": N_("%(moderator)s started the check-in “%(prompt)s” in %(group)s"),
    "checkin.edited": N_("%(moderator)s changed the check-in “%(prompt)s” in %(group)s"),
    "checkin.paused": N_("%(moderator)s paused the check-in “%(prompt)s” in %(group)s"),
    "checkin.resumed": N_("%(moderator)s resumed the check-in “%(prompt)s” in %(group)s"),
    "checkin.ended": N_("%(moderator)s ended the check-in “%(prompt)s” in %(group)s"),
}

DRAWS = {  # draw action: (in a group, on a page, elsewhere); the prize is linked to the draw's thread
    "draw.created": (N_("%(moderator)s started a draw for %(prize)s in %(group)s"),
                     N_("%(moderator)s started a draw for %(prize)s on %(page)s"),
                     N_("%(moderator)s started a draw for %(prize)s")),
    "draw.drawn": (N_("The winners of the draw for %(prize)s in %(group)s were drawn"),
                   N_("The winners of the draw for %(prize)s on %(page)s were drawn"),
                   N_("The winners of the draw for %(prize)s were drawn")),
    "draw.cancelled": (N_("%(moderator)s cancelled the draw for %(prize)s in %(group)s"),
                       N_("%(moderator)s cancelled the draw for %(prize)s on %(page)s"),
                       N_("%(moderator)s cancelled the draw for %(prize)s")),
}
SOME_PRIZE = N_("a prize")

ESSENTIALS = {  # the group's essentials (federation/community/essentials.py); the target is a section's name
    "essentials.section_created": N_("%(moderator)s added the section %(section)s to the essentials of %(group)s"),
    "essentials.section_renamed": N_("%(moderator)s renamed the section %(old)s to %(section)s in the essentials "
                                     "of %(group)s"),
    "essentials.section_deleted": N_("%(moderator)s deleted the section %(section)s from the essentials of "
                                     "%(group)s"),
    "essentials.sections_reordered": N_("%(moderator)s reordered the sections of the essentials of %(group)s"),
    "essentials.reordered": N_("%(moderator)s reordered the section %(section)s in the essentials of %(group)s"),
}
ESSENTIAL_THREADS = {  # the target is the thread; the section's name is in the details
    "essentials.added": N_("%(moderator)s added %(target)s to the section %(section)s of the essentials of "
                           "%(group)s"),
    "essentials.removed": N_("%(moderator)s took %(target)s out of the section %(section)s of the essentials of "
                             "%(group)s"),
}

# An action this module does not know yet.
GENERAL = N_("%(moderator)s made a moderation decision")
GENERAL_IN_GROUP = N_("%(moderator)s made a moderation decision in %(group)s")
GENERAL_ABOUT = N_("%(moderator)s made a moderation decision about %(target)s")
GENERAL_ABOUT_IN_GROUP = N_("%(moderator)s made a moderation decision about %(target)s in %(group)s")


def _in_group(w: Writer, entry: ModLogEntry, messages: tuple[str, str], **parts: Part) -> Part:
    in_group, server_wide = messages
    if entry.group_id is not None:
        return w.fill(in_group, moderator=w.moderator(entry.moderator), group=w.group(entry.group), **parts)
    return w.fill(server_wide, moderator=w.moderator(entry.moderator), **parts)


def _date(entry: ModLogEntry, key: str) -> datetime | None:
    return parse_datetime(entry.details.get(key)) if isinstance(entry.details, dict) else None


def _post(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    return w.fill(POSTS[entry.action], moderator=w.moderator(entry.moderator), group=w.group(entry.group),
                  target=post_phrase(w, entry.target, t, hidden)), []


def _member(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    target = w.actor(t.actors.get(entry.target))
    main = w.fill(MEMBERS[entry.action], moderator=w.moderator(entry.moderator), group=w.group(entry.group),
                  target=target)
    more: list[Part] = []
    ends = _date(entry, "expires_at")
    if ends is not None:
        more.append(w.fill(BAN_ENDS if entry.action == "member.banned" else MUTE_ENDS, date=w.moment(ends)))
    if entry.action == "member.banned" and isinstance(entry.details, dict) and entry.details.get("remove_data"):
        more.append(w.fill(DATA_REMOVED))
    return main, more


def _held(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    target = held_phrase(w, entry.target, t, hidden)
    if entry.action == "held.expired":
        return _in_group(w, entry, HELD_EXPIRED, target=target), []
    more: list[Part] = []
    item = t.held.get(entry.target)
    if isinstance(entry.details, dict) and entry.details.get("trusted") and item is not None:
        more.append(w.fill(TRUSTED_FROM_NOW, author=w.actor(item.actor)))
    return _in_group(w, entry, HELD[entry.action], target=target), more


def _report(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    number = report_id(entry.target)
    report = t.reports.get(number) if number is not None else None
    if report is not None and report.target_actor is not None:
        target = w.fill(REPORT_ABOUT, target=w.actor(report.target_actor))
    else:
        target = w.fill(SOME_REPORT)
    return _in_group(w, entry, REPORTS[entry.action], target=target), []


def _rule(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    match = _RULE.fullmatch(entry.target or "")
    if match is None:
        return _general(w, entry, t, hidden)
    try:
        pattern = ast.literal_eval(match.group(2))  # written with repr() by federation/policy/rule_admin.py
    except (ValueError, SyntaxError):
        return _general(w, entry, t, hidden)
    if not isinstance(pattern, str):
        return _general(w, entry, t, hidden)
    if entry.action == "rule.removed":
        return _in_group(w, entry, RULE_REMOVED, pattern=w.code(pattern)), []
    messages = RULES_ADDED.get(match.group(1))
    if messages is None:
        return _general(w, entry, t, hidden)
    return _in_group(w, entry, messages, pattern=w.code(pattern)), []


def _domain(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    main = w.fill(DOMAINS[entry.action], moderator=w.moderator(entry.moderator), domain=w.text(entry.target))
    ends = _date(entry, "expires_at")
    return main, ([w.fill(POLICY_ENDS, date=w.moment(ends))] if ends is not None else [])


def _actor(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    return w.fill(ACTORS[entry.action], moderator=w.moderator(entry.moderator),
                  target=w.actor(t.actors.get(entry.target))), []


def _settings(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    keys = [key.strip() for key in (entry.target or "").split(",") if key.strip()]
    named: list[Part] = [w.fill(SETTINGS[key]) for key in keys if key in SETTINGS]
    moderator = w.moderator(entry.moderator)
    if not named:
        return w.fill(SOME_SETTINGS, moderator=moderator), []
    if len(named) < len(keys):
        named.append(w.fill(OTHER_SETTINGS))
    return w.fill(SETTINGS_CHANGED, moderator=moderator, settings=w.listing(named)), []


def _mode(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    modes, changed = ((FEDERATION_MODES, FEDERATION_CHANGED) if entry.action == "instance.federation_mode"
                      else (REGISTRATION_MODES, REGISTRATION_CHANGED))
    return w.fill(modes.get(entry.target, changed), moderator=w.moderator(entry.moderator)), []


def _invite(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    return w.fill(INVITE_CREATED, moderator=w.moderator(entry.moderator)), []


def _registration(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    account = t.accounts.get((entry.target or "").strip().lower())
    target = w.actor(account) if account is not None else w.text(entry.target or "?")
    return w.fill(REGISTRATIONS[entry.action], moderator=w.moderator(entry.moderator), target=target), []


def _checkin(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    return w.fill(CHECKINS[entry.action], moderator=w.moderator(entry.moderator), group=w.group(entry.group),
                  prompt=w.text(" ".join((entry.target or "").split())[:80])), []


def _draw(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    """A draw, by its prize linked to its thread; "a prize" when the viewer may not see the draw's post."""
    post = None if hidden else t.posts.get(entry.target)
    prize_text = str(entry.details.get("prize") or "") if isinstance(entry.details, dict) else ""
    prize = w.fill(SOME_PRIZE)
    if post is not None and prize_text:
        prize = w.quoted(prize_text) if post.deleted_at else w.link(f"/threads/{post.id}", w.quoted(prize_text))
    in_group, on_page, elsewhere = DRAWS[entry.action]
    parts = {"moderator": w.moderator(entry.moderator), "prize": prize}
    if entry.group_id is not None:
        return w.fill(in_group, group=w.group(entry.group), **parts), []
    if post is not None and post.author.type == "Service":
        return w.fill(on_page, page=w.actor(post.author), **parts), []
    return w.fill(elsewhere, **parts), []


def _essentials(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    details = entry.details if isinstance(entry.details, dict) else {}
    parts = {"moderator": w.moderator(entry.moderator), "group": w.group(entry.group)}
    if entry.action in ESSENTIAL_THREADS:
        return w.fill(ESSENTIAL_THREADS[entry.action], target=post_phrase(w, entry.target, t, hidden),
                      section=w.quoted(str(details.get("section") or "?")), **parts), []
    return w.fill(ESSENTIALS[entry.action], section=w.quoted(entry.target or "?"),
                  old=w.quoted(str(details.get("old_name") or "?")), **parts), []


def _general(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    """A code this module does not know: who, and the post or account it names if it names one."""
    target: Part | None = None
    if entry.target in t.posts:
        target = post_phrase(w, entry.target, t, hidden)
    elif entry.target in t.actors and t.actors[entry.target].id != entry.group_id:
        target = w.actor(t.actors[entry.target])
    moderator = w.moderator(entry.moderator)
    group = w.group(entry.group) if entry.group_id is not None else None
    if target is not None:
        return (w.fill(GENERAL_ABOUT_IN_GROUP, moderator=moderator, target=target, group=group) if group is not None
                else w.fill(GENERAL_ABOUT, moderator=moderator, target=target)), []
    return (w.fill(GENERAL_IN_GROUP, moderator=moderator, group=group) if group is not None
            else w.fill(GENERAL, moderator=moderator)), []


SENTENCES: dict[str, Describe] = {
    **{code: _post for code in POSTS},
    **{code: _member for code in MEMBERS},
    **{code: _held for code in (*HELD, "held.expired")},
    **{code: _report for code in REPORTS},
    "rule.added": _rule,
    "rule.removed": _rule,
    **{code: _domain for code in DOMAINS},
    **{code: _actor for code in ACTORS},
    "instance.settings": _settings,
    "instance.federation_mode": _mode,
    "instance.registration_mode": _mode,
    "invite.created": _invite,
    **{code: _registration for code in REGISTRATIONS},
    **{code: _checkin for code in CHECKINS},
    **{code: _draw for code in DRAWS},
    **{code: _essentials for code in (*ESSENTIALS, *ESSENTIAL_THREADS)},
    **COMMUNITY_SENTENCES,  # member tags, joining, invitation links (web/modlog_text/community.py)
    **PROMOTION_SENTENCES,  # promotion decisions (web/modlog_text/promotions.py)
}
# Their reason is written by the server, in English, not by a person: the sentence says it all.
NO_REASON = frozenset({"held.expired"})


def describe(w: Writer, entry: ModLogEntry, targets: Targets, hidden: bool = False) -> Part:
    """The entry as one sentence (with its public reason), then any further sentences."""
    main, more = SENTENCES.get(entry.action, _general)(w, entry, targets, hidden)
    if entry.action not in NO_REASON:
        main = w.with_reason(main, entry.reason or "")
    return w.sentences(main, more)
