"""Shared by the moderation and admin pages: form reading, messages after a redirect, and the views of
held items, reports and modlog entries that the group and instance queues both show."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from federation import review
from federation.actions import ActionError
from federation.protocol.common import http_url_or_none, id_of, pick_type, pick_url, text_field
from federation.content import sanitize_html
from federation.policy import rule_admin
from federation.protocol.common import parse_datetime
from federation.reports import close_report
from models.actors import Actor
from models.groups import HeldActivity
from models.moderation import ModLogEntry, Report
from models.posts import Post
from web import app_keys as keys
from web.csrf import CSRF_FIELD
from web.i18n import N_
from web.modlog_text import ModLogView, language_of, modlog_views
from web.negotiation import page_number
from web.templating import gettext

PAGE_SIZE = 50
MAX_REASON = 1000
LIST_FIELDS = frozenset({"targets"})

# ?done=<code> after a redirect names one of these messages: the URL never carries the text itself.
DONE_MESSAGES = {
    "join-approved": N_("The join request was approved."),
    "join-rejected": N_("The join request was rejected."),
    "held-approved": N_("Approved: the post goes ahead."),
    "held-trusted": N_("Approved, and its author is trusted from now on."),
    "held-rejected": N_("Rejected."),
    "joins-approved": N_("The selected join requests were approved."),
    "joins-rejected": N_("The selected join requests were rejected."),
    "held-bulk-approved": N_("The selected posts were approved."),
    "held-bulk-rejected": N_("The selected posts were rejected."),
    "report-resolved": N_("The report was resolved."),
    "report-dismissed": N_("The report was dismissed."),
    "rule-added": N_("The rule was added."),
    "rule-removed": N_("The rule was removed."),
    "policy-set": N_("The policy was set."),
    "policy-cleared": N_("The policy was cleared."),
    "saved": N_("Saved."),
    "suspended": N_("The account was suspended; its sessions and tokens no longer work."),
    "unsuspended": N_("The suspension was lifted."),
    "promoted": N_("The account is now an admin."),
    "demoted": N_("The account is no longer an admin."),
    "invite-created": N_("The invitation was created."),
    "registration-approved": N_("The sign-up was approved: the account exists now."),
    "registration-rejected": N_("The sign-up was rejected."),
}


def flash(request: web.Request) -> str:
    code = request.query.get("done", "")
    return gettext(request, DONE_MESSAGES[code]) if code in DONE_MESSAGES else ""


def done(path: str, code: str, query: str = "") -> web.HTTPSeeOther:
    """Post/redirect/get: back to `path` (with a list's filter `query`), which then says what happened."""
    assert code in DONE_MESSAGES, code
    return web.HTTPSeeOther(f"{path}?{query + '&' if query else ''}done={code}")


async def read_form(request: web.Request) -> dict[str, str]:
    """The text fields of a posted form (file fields are read where they are expected)."""
    return {key: value for key, value in (await request.post()).items() if isinstance(value, str)}


async def posted_values(request: web.Request) -> dict[str, object]:
    """The posted form again, with repeated fields (checkbox groups) as lists, to fill a form shown back."""
    posted = await request.post()
    return {key: posted.getall(key) if key in LIST_FIELDS else posted.get(key) for key in set(posted.keys())
            if key != CSRF_FIELD}


def reason_of(form: dict[str, str]) -> str:
    return form.get("reason", "").strip()[:MAX_REASON]


def parse_expiry(raw: str) -> datetime | None:
    """An <input type="datetime-local"> value (read as UTC) or an ISO 8601 time; empty means never."""
    raw = raw.strip()
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is None:
        raise ValueError(N_("The expiry is not a date and time."))
    if value <= datetime.now(timezone.utc):
        raise ValueError(N_("The expiry must be in the future."))
    return value


def page_of(request: web.Request) -> int:
    return page_number(request) or 1


def next_page_url(request: web.Request, rows: list[Any]) -> str | None:
    """The link to the next page when this one is full (a page fetches PAGE_SIZE + 1 rows to know)."""
    if len(rows) <= PAGE_SIZE:
        return None
    return f"{request.path}?page={page_of(request) + 1}"


# --- views -------------------------------------------------------------------------------------


@dataclass
class HeldView:
    item: HeldActivity
    author: Actor
    group: Actor | None
    kind: str
    title: str
    summary: str
    content_html: str
    link: str
    is_reply: bool = False


async def held_views(items: list[HeldActivity]) -> list[HeldView]:
    views = []
    if items:
        await HeldActivity.fetch_for_list(items, "actor", "group")
    for item in items:
        # Read through the protocol helpers: a `type` may be a list, any value may be of an odd shape.
        activity = item.activity if isinstance(item.activity, dict) else {}
        obj = activity.get("object")
        doc = obj if isinstance(obj, dict) else {}
        kind = " ".join(part for part in (pick_type(activity.get("type"), frozenset()),
                                          pick_type(doc.get("type"), frozenset())) if part)
        link = pick_url(doc.get("url")) or http_url_or_none(obj) or http_url_or_none(item.activity_uri) or ""
        views.append(HeldView(
            item=item, author=item.actor, group=item.group, kind=kind,
            title=(text_field(doc, "name") or "")[:300], summary=(text_field(doc, "summary") or "")[:300],
            # Remote HTML goes through the same allowlist as every other remote post.
            content_html=sanitize_html((text_field(doc, "content") or "")[:20000]),
            link=link, is_reply=bool(id_of(doc.get("inReplyTo"))),
        ))
    return views


@dataclass
class ReportView:
    report: Report
    reporter: Actor | None
    target: Actor | None
    group: Actor | None
    posts: list[Post]


async def report_views(reports: list[Report]) -> list[ReportView]:
    if not reports:
        return []
    await Report.fetch_for_list(reports, "reporter", "target_actor", "group", "posts")
    views = []
    for row in reports:
        posts = sorted((post for post in row.posts if post.deleted_at is None), key=lambda post: post.id)[:10]
        views.append(ReportView(report=row, reporter=row.reporter, target=row.target_actor, group=row.group,
                                posts=posts))
    return views


async def modlog_rows(
    request: web.Request, *, private: bool = False, **filters: Any,
) -> tuple[list[ModLogView], str | None]:
    """One page of the modlog, newest first, written in sentences (web/modlog_text); `private` adds the
    private reasons only admins read."""
    rows = list(await ModLogEntry.filter(**filters).order_by("-id").offset((page_of(request) - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE + 1))
    return await modlog_views(rows[:PAGE_SIZE], language_of(request), private=private), next_page_url(request, rows)


# --- decisions shared by the group and instance queues ----------------------------------------


class DecisionFailed(Exception):
    """A decision could not be made; the page shows why with this status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _failed(request: web.Request, exc: ActionError) -> Exception:
    if exc.status == 403:
        return web.HTTPForbidden(text=gettext(request, str(exc)))
    return DecisionFailed(gettext(request, str(exc)), exc.status)


async def decide_held(request: web.Request, moderator: Actor, item: HeldActivity, form: dict[str, str]) -> str:
    """Approve, approve and trust, or reject (the reason goes to the author); returns the done code."""
    decision = form.get("decision", "")
    fed = request.app[keys.FEDERATION]
    try:
        if decision in ("approve", "trust"):
            await review.approve(fed, moderator, item, trust=decision == "trust", reason=reason_of(form))
            return "held-trusted" if decision == "trust" else "held-approved"
        if decision == "reject":
            await review.reject(fed, moderator, item, reason_of(form))
            return "held-rejected"
    except ActionError as exc:
        raise _failed(request, exc) from None
    raise DecisionFailed(gettext(request, "Choose approve, approve and trust, or reject."), 422)


async def decide_report(request: web.Request, moderator: Actor, report: Report, form: dict[str, str]) -> str:
    decision = form.get("decision", "")
    if decision not in ("resolve", "dismiss"):
        raise DecisionFailed(gettext(request, "Choose resolve or dismiss."), 422)
    try:
        await close_report(moderator, report, dismiss=decision == "dismiss", action_taken=reason_of(form))
    except ActionError as exc:
        raise _failed(request, exc) from None
    return "report-dismissed" if decision == "dismiss" else "report-resolved"


async def add_rule_from_form(request: web.Request, moderator: Actor, group: Actor | None) -> None:
    """A content rule from the rule form (group or instance queue); RuleError says what to fix."""
    posted = await request.post()
    form = await read_form(request)
    await rule_admin.add_rule(
        request.app[keys.FEDERATION], moderator, group, pattern=form.get("pattern", "").strip(),
        is_regex=bool(form.get("is_regex")), action=form.get("action", ""),
        targets=rule_admin.parse_targets([str(t) for t in posted.getall("targets", [])]),
        note=form.get("note", "").strip(), reason=reason_of(form),
    )


def int_path(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit():
        raise web.HTTPNotFound()
    return int(raw)
