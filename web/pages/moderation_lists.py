"""The queues as filtered lists: the filter a moderator picks with a GET form (what kind, why it was held, whose),
the queries it makes, and bulk decisions on the rows they selected, each made through the same federation
function as a single decision, so each is logged and federated alike."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlencode

from aiohttp import web
from tortoise.expressions import Q

from federation.actions import ActionError
from federation.groups.membership import decide_join
from models.actors import Actor
from models.follows import PENDING, Follow
from models.groups import HELD, HeldActivity
from models.moderation import OPEN, Report
from web import app_keys as keys
from web.i18n import N_
from web.pages.moderation_common import PAGE_SIZE, DecisionFailed, decide_held, reason_of
from web.templating import gettext

MAX_QUERY = 100
MAX_SELECTED = PAGE_SIZE

# Why an item was held (HeldActivity.reason, written by federation/policy/screening.py and groups/intake.py),
# as moderators read it.
HELD_REASONS = {
    "new account": N_("New account"),
    "content rule": N_("Content rule"),
    "limited": N_("Limited account or server"),
    "not a member": N_("Not a member"),
    "muted member": N_("Muted member"),
    "held": N_("Held for review"),
}


@dataclass(frozen=True)
class QueueFilter:
    """?kind=requests|held|reports &why=<held reason> &q=<author>: what a queue shows."""

    kind: str = ""
    why: str = ""
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.kind or self.why or self.q)

    def shows(self, kind: str) -> bool:
        return not self.kind or self.kind == kind

    def query_string(self) -> str:
        """The filter again, for a redirect back to the list as it was."""
        params = [(key, value) for key, value in (("kind", self.kind), ("why", self.why), ("q", self.q)) if value]
        return urlencode(params)


def queue_filter(values: Mapping[str, str], kinds: tuple[str, ...]) -> QueueFilter:
    """The filter from a list's GET form (request.query), or from the hidden fields of a form posted from it."""
    kind, why = values.get("kind", ""), values.get("why", "")
    return QueueFilter(kind=kind if kind in kinds else "", why=why if why in HELD_REASONS else "",
                       q=" ".join(values.get("q", "").split())[:MAX_QUERY])


def author_matches(relation: str, text: str) -> Q:
    """Q for an actor (through `relation`) whose name, display name or server contains `text`; "@name@host"
    and "name@host" match the name and the server."""
    text = text.strip().lstrip("@")
    name, _, host = text.partition("@")
    if host:
        return Q(**{f"{relation}__username__icontains": name, f"{relation}__domain__icontains": host})
    return (Q(**{f"{relation}__username__icontains": text}) | Q(**{f"{relation}__display_name__icontains": text})
            | Q(**{f"{relation}__domain__icontains": text}))


async def pending_requests(group: Actor, chosen: QueueFilter) -> list[Follow]:
    if not chosen.shows("requests") or chosen.why:
        return []
    query = Follow.filter(target=group, state=PENDING)
    if chosen.q:
        query = query.filter(author_matches("follower", chosen.q))
    return list(await query.order_by("id").limit(PAGE_SIZE).prefetch_related("follower"))


async def held_items(chosen: QueueFilter, group: Actor | None = None) -> list[HeldActivity]:
    """Held items of a group, or of the whole server when `group` is None."""
    if not chosen.shows("held"):
        return []
    query = HeldActivity.filter(state=HELD)
    if group is not None:
        query = query.filter(group=group)
    if chosen.why:
        query = query.filter(reason=chosen.why)
    if chosen.q:
        query = query.filter(author_matches("actor", chosen.q))
    return list(await query.order_by("id").limit(PAGE_SIZE))


async def open_reports(chosen: QueueFilter, group: Actor | None = None) -> list[Report]:
    if not chosen.shows("reports") or chosen.why:
        return []
    query = Report.filter(state=OPEN)
    if group is not None:
        query = query.filter(group=group)
    if chosen.q:
        query = query.filter(author_matches("target_actor", chosen.q) | author_matches("reporter", chosen.q))
    return list(await query.order_by("id").limit(PAGE_SIZE))


# --- bulk decisions ---------------------------------------------------------------------------


async def selected_ids(request: web.Request) -> list[int]:
    """The rows ticked in a list (name="ids", one per row), in order, without repeats."""
    posted = await request.post()
    chosen: list[int] = []
    for raw in posted.getall("ids", []):
        if isinstance(raw, str) and raw.isdigit() and int(raw) not in chosen:
            chosen.append(int(raw))
    return chosen[:MAX_SELECTED]


async def decide_requests(request: web.Request, moderator: Actor, group: Actor, form: dict[str, str]) -> str:
    """Approve or reject the selected join requests of `group`, one decide_join each; returns the done code.
    Requests decided or withdrawn meanwhile (an old tab) are left out; DecisionFailed if none is left."""
    decision = form.get("decision", "")
    if decision not in ("approve", "reject"):
        raise DecisionFailed(gettext(request, "Choose approve or reject."), 422)
    ids = await selected_ids(request)
    if not ids:
        raise DecisionFailed(gettext(request, "Select at least one join request."), 422)
    follows = await Follow.filter(id__in=ids, target=group, state=PENDING).order_by("id")
    if not follows:
        raise DecisionFailed(gettext(request, "Those join requests were already decided or withdrawn."), 409)
    fed = request.app[keys.FEDERATION]
    for follow in follows:
        try:
            await decide_join(fed, moderator, follow, approve=decision == "approve", reason=reason_of(form))
        except ActionError as exc:
            raise DecisionFailed(gettext(request, str(exc)), exc.status) from None
    return "joins-approved" if decision == "approve" else "joins-rejected"


async def decide_held_items(
    request: web.Request, moderator: Actor, form: dict[str, str], group: Actor | None = None,
) -> str:
    """Approve or reject the selected held items (of `group`, or any when None), one review decision each."""
    decision = form.get("decision", "")
    if decision not in ("approve", "reject"):
        raise DecisionFailed(gettext(request, "Choose approve or reject."), 422)
    ids = await selected_ids(request)
    if not ids:
        raise DecisionFailed(gettext(request, "Select at least one post."), 422)
    query = HeldActivity.filter(id__in=ids, state=HELD)
    items = await (query.filter(group=group) if group is not None else query).order_by("id")
    if not items:
        raise DecisionFailed(gettext(request, "Those posts were already decided."), 409)
    for item in items:
        await decide_held(request, moderator, item, form)
    return "held-bulk-approved" if decision == "approve" else "held-bulk-rejected"
