"""Join questions and welcomes as direct messages from a local group to people on other servers.

A remote person asks to join a group that approves members by hand (a Follow, or Mobilizon's Join). When the
group asks questions or wants its rules agreed to, the group sends that person a direct message: a
Create{Note} from the group actor, `to: [the person]` only (no Public, no followers), with a Mention tag of the
person, the questions numbered and a link to the group's join page. The person's reply (a Create{Note}
`inReplyTo` that message, from that person, while the request is pending) is recorded as their answers and
never stored as a post (federation/inbox/create.py asks here first).

A new member on another server gets the group's welcome message the same way, when it has one.
"""
from __future__ import annotations

import html
import logging
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from federation import render
from federation.content import html_to_text, render_text
from federation.outbox import publish
from models.actors import Actor
from models.follows import PENDING, Follow
from models.joining import DIRECT_MESSAGE, MAX_QUESTIONS, JoinAnswer, JoinSettings, MemberWelcome

if TYPE_CHECKING:
    from federation.context import FederationContext
    from federation.protocol.activity import ActivityDoc
    from federation.protocol.objects import ObjectDoc

log = logging.getLogger(__name__)

MAX_ANSWER = 2000
# The dispatcher's outcome for a reply recorded as answers.
RECORDED = "applied"
IGNORED = "ignored"  # as federation/inbox/common.py
_LEADING_MENTIONS = re.compile(r"^(\s*@[\w.\-]+(@[\w.\-]+)?\s*)+")
_NUMBERED = re.compile(r"^\s*(\d)\s*[.):]\s*(.*)$")


def join_path(group: Actor) -> str:
    return f"/groups/{group.group_name}/join"


def essentials_path(group: Actor) -> str:
    return f"/groups/{group.group_name}/essentials"


async def settings_of(group: Actor) -> JoinSettings | None:
    return await JoinSettings.filter(group_id=group.id).first()


def asks_questions(settings: JoinSettings | None, group: Actor) -> bool:
    """Questions are asked by groups that approve members by hand; a public group takes people at once."""
    return bool(settings and settings.questions) and group.manually_approves


def _mention(person: Actor) -> tuple[dict[str, str], str]:
    handle = f"@{person.username}@{person.domain}"
    link = (f'<span class="h-card"><a href="{html.escape(person.url or person.uri)}" class="u-url mention">'
            f"{html.escape(handle)}</a></span>")
    return {"type": "Mention", "href": person.uri, "name": handle}, link


def direct_note(ctx: "FederationContext", group: Actor, person: Actor, body_html: str) -> dict[str, Any]:
    """Create{Note} from the group to one person only: the shape Mastodon shows as a direct message."""
    tag, link = _mention(person)
    now = render.iso(datetime.now(timezone.utc))
    note = {
        "id": ctx.urls.new_post(), "type": "Note", "attributedTo": group.uri, "to": [person.uri], "cc": [],
        "content": f"<p>{link}</p>{body_html}", "tag": [tag], "published": now, "sensitive": False,
    }
    return render.activity(ctx.urls.new_activity(), "Create", group.uri, note, to=[person.uri], published=now)


def questions_html(ctx: "FederationContext", group: Actor, settings: JoinSettings, rules: bool) -> str:
    name = html.escape(group.display_name or group.username)
    join_url = html.escape(ctx.base_url + join_path(group))
    parts = [f"<p>Thank you for asking to join {name}. Before the moderators decide, please answer "
             f"by replying to this message, one answer per numbered line:</p>"]
    if settings.questions:
        parts.append("<ol>" + "".join(f"<li>{html.escape(q)}</li>" for q in settings.questions) + "</ol>")
    if rules:
        parts.append(f'<p>By replying you agree to the group\'s rules: <a href="{join_url}">{join_url}</a></p>')
    else:
        parts.append(f'<p>The questions and rules are also on <a href="{join_url}">{join_url}</a></p>')
    return "".join(parts)


async def ask_questions(ctx: "FederationContext", follow: Follow, follower: Actor, group: Actor) -> None:
    """A remote person's request waits for a moderator: send the join questions (in the caller's transaction)."""
    if follower.is_local or group.type != "Group" or not group.is_local:
        return
    settings = await settings_of(group)
    if settings is None or not group.manually_approves or not (settings.questions or settings.require_rules):
        return
    activity = direct_note(ctx, group, follower, questions_html(ctx, group, settings, settings.require_rules))
    answer = await JoinAnswer.filter(group_id=group.id, actor_id=follower.id).first()
    if answer is not None and answer.answered_at is not None:
        return  # a repeated Follow: the answers are in already
    values = {"questions": list(settings.questions), "question_uri": activity["object"]["id"],
              "source": DIRECT_MESSAGE, "agreed_rules": False, "answers": []}
    if answer is None:
        await JoinAnswer.create(group_id=group.id, actor_id=follower.id, **values)
    else:
        await JoinAnswer.filter(id=answer.id).update(**values)
    await publish(group, activity, to_followers=False, inboxes=[follower.inbox])


def split_answers(text: str, count: int) -> list[str]:
    """The reply's text as answers: numbered lines ("1. ...") when it has them, else the whole text as one."""
    text = _LEADING_MENTIONS.sub("", text.strip()).strip()
    numbered: dict[int, list[str]] = {}
    current = None
    for line in text.splitlines():
        match = _NUMBERED.match(line)
        if match and 1 <= int(match.group(1)) <= max(count, 1):
            current = int(match.group(1))
            numbered[current] = [match.group(2).strip()]
        elif current is not None and line.strip():
            numbered[current].append(line.strip())
    if count > 1 and numbered:
        return [" ".join(numbered.get(i, []))[:MAX_ANSWER] for i in range(1, count + 1)]
    return [text[:MAX_ANSWER]] if text else []


async def receive_answer(ctx: "FederationContext", activity: "ActivityDoc", doc: "ObjectDoc") -> str | None:
    """A reply to a join-questions message: RECORDED, or IGNORED (not from the person asked, or too late).
    None when this Create answers no such message (it goes on as a post)."""
    if not doc.in_reply_to or not ctx.urls.is_local(doc.in_reply_to):
        return None
    answer = await JoinAnswer.filter(question_uri=doc.in_reply_to).select_related("actor", "group").first()
    if answer is None:
        return None
    person: Actor = answer.actor
    if activity.actor != person.uri or (doc.attributed_to or activity.actor) != person.uri:
        log.info("%s replied to the join questions asked of %s: ignored", activity.actor, person.uri)
        return IGNORED
    if not await Follow.filter(follower_id=person.id, target_id=answer.group_id, state=PENDING).exists():
        log.info("%s answered join questions of %s with no request pending: ignored", person.uri, answer.group.uri)
        return IGNORED
    count = min(len(answer.questions or []), MAX_QUESTIONS)
    answers = split_answers(html_to_text(doc.content or ""), count)
    await JoinAnswer.filter(id=answer.id).update(
        answers=answers, agreed_rules=True, reply_uri=doc.id, answered_at=datetime.now(timezone.utc))
    return RECORDED


def welcome_html(ctx: "FederationContext", group: Actor, text: str) -> str:
    body = render_text(text[:5000], mention_urls={}, tag_url=ctx.urls.tag)
    url = html.escape(ctx.base_url + essentials_path(group))
    return f'{body}<p>The essentials of the group: <a href="{url}">{url}</a></p>'


async def on_member_accepted(ctx: "FederationContext", follower: Actor, group: Actor) -> None:
    """Someone just became a member (in the caller's transaction): a remote member gets the welcome as a
    direct message, a local one sees it once on the group page."""
    if group.type != "Group" or not group.is_local:
        return
    settings = await settings_of(group)
    if settings is None or not settings.welcome.strip():
        return
    if follower.is_local:
        if not await MemberWelcome.filter(group_id=group.id, actor_id=follower.id).exists():
            await MemberWelcome.create(group_id=group.id, actor_id=follower.id)
        return
    activity = direct_note(ctx, group, follower, welcome_html(ctx, group, settings.welcome))
    await publish(group, activity, to_followers=False, inboxes=[follower.inbox])


async def take_welcome(viewer: Actor | None, group: Actor, tag_url: Any) -> str:
    """The welcome (safe HTML) a new local member has not seen yet, once: "" otherwise."""
    if viewer is None:
        return ""
    pending = await MemberWelcome.filter(group_id=group.id, actor_id=viewer.id).first()  # a read on most views
    if pending is None or not await MemberWelcome.filter(id=pending.id).delete():
        return ""
    settings = await settings_of(group)
    if settings is None or not settings.welcome.strip():
        return ""
    return render_text(settings.welcome, mention_urls={}, tag_url=tag_url)
