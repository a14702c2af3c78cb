"""Getting into a local group: its join settings, a local person's join with answers, and invitation links.

Questions are asked only by groups that approve members by hand (private groups): a public group takes
people at once, so it asks nothing, but a local person still ticks its rules when it requires that. A valid
invitation link lets its holder in without waiting for a moderator (and without the questions); the rules
still have to be agreed to.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Sequence

from tortoise.transactions import in_transaction

from federation import actions, modlog
from federation.actions.statuses import ActionError
from federation.community.joining_dm import asks_questions, settings_of
from federation.community.subgroups_access import missing_parent_membership
from federation.groups.access import is_moderator
from models.actors import Actor
from models.follows import ACCEPTED, PENDING, Follow
from models.joining import API, FORM, MAX_QUESTIONS, GroupInvite, JoinAnswer, JoinSettings

if TYPE_CHECKING:
    from federation.context import FederationContext

MAX_QUESTION = 300
MAX_ANSWER = 2000
MAX_WELCOME = 5000
MAX_INVITE_USES = 10000
MAX_INVITE_DAYS = 365

# Why a join is refused: the web layer translates these.
RULES_NOT_AGREED = "Tick the box to agree to the group's rules."
ANSWER_MISSING = "Answer every question."
ANSWER_TOO_LONG = "An answer is too long: at most 2000 characters."
INVITE_INVALID = "This invitation link is not valid."
INVITE_EXPIRED = "This invitation link has expired. Ask the group's moderators for a new one."
INVITE_USED_UP = "This invitation link has been used up. Ask the group's moderators for a new one."
INVITE_REVOKED = "This invitation link was withdrawn. Ask the group's moderators for a new one."


class JoinRefused(ActionError):
    """The join form is incomplete, or the invitation does not hold: the message says what to do."""


@dataclass(frozen=True)
class Requirements:
    questions: tuple[str, ...]  # asked now (empty for a public group, or with an invitation)
    rules: bool  # must tick the rules
    welcome: str

    @property
    def any(self) -> bool:
        return bool(self.questions or self.rules)


async def requirements(group: Actor, *, invited: bool = False) -> Requirements:
    settings = await settings_of(group)
    if settings is None:
        return Requirements((), False, "")
    questions = tuple(settings.questions) if asks_questions(settings, group) and not invited else ()
    return Requirements(questions, settings.require_rules, settings.welcome)


# --- settings -----------------------------------------------------------------------------------------------------


def clean_questions(raw: Sequence[object]) -> list[str]:
    questions = [" ".join(str(q).split()) for q in raw if str(q or "").strip()]
    if len(questions) > MAX_QUESTIONS:
        raise JoinRefused(f"A group asks at most {MAX_QUESTIONS} questions.", status=422)
    if any(len(q) > MAX_QUESTION for q in questions):
        raise JoinRefused(f"A question is too long: at most {MAX_QUESTION} characters.", status=422)
    return questions


async def save_settings(
    moderator: Actor | None, group: Actor, *, questions: Sequence[object] | None = None, require_rules: bool | None = None,
    welcome: str | None = None,
) -> JoinSettings:
    """Change what the group asks and its welcome (None keeps a value). Only its moderators (moderator None:
    the command line, acting for the instance)."""
    if not group.is_local or (moderator is not None and not await is_moderator(group, moderator)):
        raise ActionError("only the group's moderators can change how people join", status=403)
    if welcome is not None and len(welcome.strip()) > MAX_WELCOME:
        raise JoinRefused(f"The welcome message is too long: at most {MAX_WELCOME} characters.", status=422)
    settings = await settings_of(group) or JoinSettings(group_id=group.id)
    before = (list(settings.questions or []), settings.require_rules, settings.welcome)
    if questions is not None:
        settings.questions = clean_questions(questions)
    if require_rules is not None:
        settings.require_rules = require_rules
    if welcome is not None:
        settings.welcome = welcome.strip()
    await settings.save()
    changed = [name for name, old, new in zip(("questions", "rules", "welcome"), before,
                                               (list(settings.questions), settings.require_rules, settings.welcome))
               if old != new]
    if changed:  # the moderation log names what changed (web/modlog_text/community.py)
        await modlog.record("joining.settings", moderator=moderator, target=",".join(changed), group=group,
                            require_rules=settings.require_rules, questions=len(settings.questions))
    return settings


# --- joining ------------------------------------------------------------------------------------------------------


async def valid_invite(group: Actor, code: str, *, lock: bool = False) -> GroupInvite:
    query = GroupInvite.filter(group_id=group.id, code=code[:64]) if code else None
    invite = await (query.select_for_update() if lock else query).first() if query is not None else None
    if invite is None:
        raise JoinRefused(INVITE_INVALID, status=404)
    if invite.revoked_at is not None:
        raise JoinRefused(INVITE_REVOKED, status=410)
    if invite.expires_at is not None and invite.expires_at <= datetime.now(timezone.utc):
        raise JoinRefused(INVITE_EXPIRED, status=410)
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        raise JoinRefused(INVITE_USED_UP, status=410)
    return invite


async def invite_for_code(code: str) -> GroupInvite | None:
    """The invitation with this code, valid or not (its group loaded), for sign-up."""
    return await GroupInvite.filter(code=code[:64]).select_related("group").first() if code else None


async def join(
    ctx: "FederationContext", person: Actor, group: Actor, *, answers: Sequence[object] = (), agreed_rules: bool = False,
    invite_code: str = "", source: str = FORM,
) -> Follow:
    """A local person joins a local group: checks the rules box and the answers, records them, follows (a
    request when the group approves by hand), and with a valid invitation is let in at once."""
    existing = await Follow.filter(follower=person, target=group).first()
    if existing is not None:
        return existing
    parent = await missing_parent_membership(group, person)  # a sub-group for its parent's members only
    if parent is not None:
        raise JoinRefused(f"Only members of {parent.display_name or parent.username} can join this sub-group.",
                          status=403)
    invited = bool(invite_code)
    if invited:
        await valid_invite(group, invite_code)
    needs = await requirements(group, invited=invited)
    if needs.rules and not agreed_rules:
        raise JoinRefused(RULES_NOT_AGREED, status=422)
    given = [" ".join(str(a or "").split()) for a in list(answers)[:len(needs.questions)]]
    given += [""] * (len(needs.questions) - len(given))
    if any(not a for a in given):
        raise JoinRefused(ANSWER_MISSING, status=422)
    if any(len(a) > MAX_ANSWER for a in given):
        raise JoinRefused(ANSWER_TOO_LONG, status=422)
    if needs.any:
        await JoinAnswer.filter(group_id=group.id, actor_id=person.id).delete()
        await JoinAnswer.create(group_id=group.id, actor_id=person.id, questions=list(needs.questions), answers=given,
                                agreed_rules=agreed_rules, source=source, answered_at=datetime.now(timezone.utc))
    if invited:
        async with in_transaction():
            invite = await valid_invite(group, invite_code, lock=True)  # counted once, under a lock
            await GroupInvite.filter(id=invite.id).update(uses=invite.uses + 1)
    follow = await actions.follow(ctx, person, group)
    if follow is None:
        raise ActionError("you are banned from this group", status=403)
    if invited and follow.state == PENDING:
        await actions.approve_follow(ctx, follow)
        follow.state = ACCEPTED
    return follow


async def answers_for(group: Actor, follower_ids: Sequence[int]) -> dict[int, JoinAnswer]:
    """The answers of these people to this group, by person: what moderators read beside each request."""
    if not follower_ids:
        return {}
    rows = await JoinAnswer.filter(group_id=group.id, actor_id__in=list(follower_ids))
    return {row.actor_id: row for row in rows}


def answer_pairs(answer: JoinAnswer | None) -> list[tuple[str, str]]:
    """(question, answer) pairs; a reply that did not number its answers is shown whole under the questions."""
    if answer is None:
        return []
    questions, answers = list(answer.questions or []), list(answer.answers or [])
    if len(answers) == len(questions):
        return list(zip(questions, answers))
    return [(q, "") for q in questions] + [("", a) for a in answers]


def answer_json(answer: JoinAnswer | None) -> dict[str, object] | None:
    if answer is None:
        return None
    return {
        "questions": list(answer.questions or []), "answers": list(answer.answers or []),
        "agreed_rules": answer.agreed_rules, "source": answer.source,
        "answered_at": answer.answered_at.isoformat() if answer.answered_at else None,
    }


# --- invitations --------------------------------------------------------------------------------------------------


async def create_invite(
    moderator: Actor | None, group: Actor, *, expires_at: datetime | None, max_uses: int | None,
) -> GroupInvite:
    if not group.is_local or (moderator is not None and not await is_moderator(group, moderator)):
        raise ActionError("only the group's moderators invite people", status=403)
    if max_uses is not None and not 1 <= max_uses <= MAX_INVITE_USES:
        raise JoinRefused(f"The number of uses must be between 1 and {MAX_INVITE_USES}.", status=422)
    if expires_at is not None and expires_at <= datetime.now(timezone.utc):
        raise JoinRefused("The expiry must be in the future.", status=422)
    invite = await GroupInvite.create(group_id=group.id, code=secrets.token_urlsafe(12), created_by=moderator,
                                      expires_at=expires_at, max_uses=max_uses)
    await modlog.record("group_invite.created", moderator=moderator, target=f"invite {invite.id}", group=group,
                        expires_at=expires_at.isoformat() if expires_at else None, max_uses=max_uses)
    return invite


async def list_invites(group: Actor) -> list[GroupInvite]:
    return list(await GroupInvite.filter(group_id=group.id).order_by("-id").limit(100).prefetch_related("created_by"))


async def revoke_invite(moderator: Actor | None, group: Actor, invite_id: int) -> GroupInvite:
    if not group.is_local or (moderator is not None and not await is_moderator(group, moderator)):
        raise ActionError("only the group's moderators withdraw invitations", status=403)
    invite = await GroupInvite.filter(id=invite_id, group_id=group.id).first()
    if invite is None:
        raise ActionError("no such invitation", status=404)
    if invite.revoked_at is None:
        invite.revoked_at = datetime.now(timezone.utc)
        await GroupInvite.filter(id=invite.id).update(revoked_at=invite.revoked_at)
        await modlog.record("group_invite.revoked", moderator=moderator, target=f"invite {invite.id}", group=group)
    return invite


def invite_state(invite: GroupInvite) -> str:
    """active, revoked, expired or used_up."""
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at is not None and invite.expires_at <= datetime.now(timezone.utc):
        return "expired"
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return "used_up"
    return "active"


__all__ = ["API", "FORM", "JoinRefused", "Requirements"]
