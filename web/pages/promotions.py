"""Promotion pages: a page's promotions (/pages/{name}/promotions, the Promote form, withdraw), the admins' queue
(/admin/promotions: policy, requests, current ones, history), the click-through /promoted/{promotion_id}, and
the "From pages" slot that Explore and home ask for (promoted_slot)."""
from __future__ import annotations

from datetime import datetime, time, timezone

from aiohttp import web

from federation.promotions import PromotionError
from federation.promotions.policy import MAX_DAILY_CAP, POLICIES, current_policy, set_policy
from federation.promotions.requests import (
    admin_listing, approve, page_admin_of, reject, request_promotion, shown_state, withdraw,
)
from federation.promotions.showing import PromotedSlot, follow_click, pick_for
from federation.promotions.stats import promotion_stats
from federation.vocab import SERVICE
from models.actors import Actor
from models.posts import Post
from models.promotions import MAX_DAYS, MIN_DAYS
from web import request_keys as rk
from web.i18n import N_
from web.pages.moderation_common import read_form, reason_of
from web.sessions import require_admin_user, require_user
from web.templating import gettext, render_page

ADMIN_PATH = "/admin/promotions"
RECENT_POSTS = 20
DEFAULT_DAYS = 7
DONE = {
    "requested": N_("Your request was sent: an admin of this server decides on it."),
    "started": N_("The promotion is on."),
    "withdrawn": N_("The promotion was withdrawn."),
    "approved": N_("The promotion was approved."),
    "rejected": N_("The promotion was rejected."),
    "policy": N_("The promotion policy was saved."),
}
STATE_NAMES = {
    "requested": N_("Waiting for a decision"), "scheduled": N_("Approved, not started yet"),
    "running": N_("Running"), "ended": N_("Ended"), "rejected": N_("Rejected"), "withdrawn": N_("Withdrawn"),
}


def _flash(request: web.Request) -> str:
    code = request.query.get("done", "")
    return gettext(request, DONE[code]) if code in DONE else ""


def _done(path: str, code: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{path}?done={code}")


def _int(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


# --- the slot -----------------------------------------------------------------------------------


async def promoted_slot(request: web.Request) -> PromotedSlot | None:
    """The promotion to show in this page's "From pages" slot (its impression counted), or None."""
    return await pick_for(_viewer(request))


def _viewer(request: web.Request) -> Actor | None:
    return request.get(rk.USER)


async def click(request: web.Request) -> web.StreamResponse:
    promotion_id = _int(request.match_info["promotion_id"])
    post = await follow_click(promotion_id, _viewer(request)) if promotion_id is not None else None
    if post is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such post here."))
    raise web.HTTPSeeOther(f"/threads/{post.id}")


# --- a page's promotions ------------------------------------------------------------------------


async def _managed_page(request: web.Request) -> tuple[Actor, Actor]:
    """(the signed-in admin, the page): a page nobody else may manage answers 404, like a missing one."""
    user = require_user(request)
    page = await Actor.filter(local_name=request.match_info["name"].lower(), type=SERVICE, is_local=True,
                              deleted_at=None).first()
    if page is None or not await page_admin_of(user, page):
        raise web.HTTPNotFound(text=gettext(request, "There is no such page here."))
    return user, page


async def page_promotions(request: web.Request) -> web.StreamResponse:
    _, page = await _managed_page(request)
    posts = await Post.filter(author_id=page.id, visibility="public", deleted_at=None, removed_at=None) \
        .order_by("-published", "-id").limit(RECENT_POSTS)
    return render_page(
        request, "promotions/page.html", page=page, posts=posts, promotions=await promotion_stats(page),
        policy=await current_policy(), flash=_flash(request),
    )


async def _promotable_post(request: web.Request, page: Actor, raw: str) -> Post:
    post_id = _int(raw)
    post = await Post.filter(id=post_id, author_id=page.id, visibility="public", deleted_at=None,
                             removed_at=None).first() if post_id is not None else None
    if post is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such post here."))
    return post


async def _new_form(request: web.Request, page: Actor, post: Post, *, form: dict[str, str] | None = None,
                    error: str = "", status: int = 200) -> web.Response:
    return render_page(request, "promotions/new.html", status=status, page=page, post=post,
                       form=form or {"days": str(DEFAULT_DAYS)}, error=error, policy=await current_policy(),
                       min_days=MIN_DAYS, max_days=MAX_DAYS)


async def new_promotion(request: web.Request) -> web.StreamResponse:
    _, page = await _managed_page(request)
    post = await _promotable_post(request, page, request.query.get("post_id", ""))
    return await _new_form(request, page, post)


def _start_of(raw: str) -> datetime | None:
    """An <input type="date"> value as the start of that day (UTC); empty: as soon as approved."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw[:10], "%Y-%m-%d").date()
    except ValueError:
        raise PromotionError("The start is not a date.") from None
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


async def create_promotion(request: web.Request) -> web.StreamResponse:
    user, page = await _managed_page(request)
    form = await read_form(request)
    post = await _promotable_post(request, page, form.get("post_id", ""))
    days = _int(form.get("days", "").strip())
    try:
        if days is None:
            raise PromotionError("A promotion lasts from 1 to 30 days.")
        promotion = await request_promotion(page, user, post, days=days, wanted_start=_start_of(form.get("start", "")))
    except PromotionError as exc:
        return await _new_form(request, page, post, form=form, error=gettext(request, str(exc)),
                               status=exc.status if exc.status != 403 else 422)
    raise _done(f"/pages/{page.local_name}/promotions", "requested" if promotion.state == "requested" else "started")


async def withdraw_promotion(request: web.Request) -> web.StreamResponse:
    user, page = await _managed_page(request)
    promotion_id = _int(request.match_info["promotion_id"])
    try:
        if promotion_id is None:
            raise PromotionError("There is no such promotion.", status=404)
        await withdraw(promotion_id, user, page)
    except PromotionError as exc:
        raise _http(request, exc) from None
    raise _done(f"/pages/{page.local_name}/promotions", "withdrawn")


def _http(request: web.Request, exc: PromotionError) -> web.HTTPException:
    text = gettext(request, str(exc))
    return {403: web.HTTPForbidden, 404: web.HTTPNotFound, 409: web.HTTPConflict}.get(
        exc.status, web.HTTPUnprocessableEntity)(text=text)


# --- the admins' queue --------------------------------------------------------------------------


async def _admin_page(request: web.Request, *, error: str = "", form: dict[str, str] | None = None,
                      status: int = 200) -> web.Response:
    listing = await admin_listing()
    return render_page(
        request, "promotions/admin.html", status=status, listing=listing, policy=await current_policy(),
        policies=POLICIES, max_cap=MAX_DAILY_CAP, state_of=shown_state, state_names=STATE_NAMES,
        flash=_flash(request), error=error, form=form or {}, tab="promotions",
    )


async def admin_queue(request: web.Request) -> web.StreamResponse:
    require_admin_user(request)
    return await _admin_page(request)


async def save_policy(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    cap = _int(form.get("daily_cap", "").strip())
    try:
        if cap is None:
            raise PromotionError("The daily number per person is a whole number from 0 to 50.")
        await set_policy(admin, mode=form.get("mode", ""), daily_cap=cap, reason=reason_of(form))
    except PromotionError as exc:
        return await _admin_page(request, error=gettext(request, str(exc)), form=form, status=422)
    raise _done(ADMIN_PATH, "policy")


async def decide(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    promotion_id = _int(request.match_info["promotion_id"])
    decision = request.match_info["decision"]
    try:
        if promotion_id is None:
            raise PromotionError("There is no such promotion.", status=404)
        if decision == "approve":
            await approve(promotion_id, admin, reason_of(form))
        else:
            await reject(promotion_id, admin, reason_of(form))
    except PromotionError as exc:
        if exc.status == 404:
            raise _http(request, exc) from None
        return await _admin_page(request, error=gettext(request, str(exc)), status=exc.status)
    raise _done(ADMIN_PATH, "approved" if decision == "approve" else "rejected")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/promoted/{promotion_id}", click, name="promotion_click")
    r.add_get("/pages/{name}/promotions", page_promotions, name="page_promotions")
    r.add_get("/pages/{name}/promotions/new", new_promotion, name="page_promotion_new")
    r.add_post("/pages/{name}/promotions", create_promotion, name="page_promotion_create")
    r.add_post("/pages/{name}/promotions/{promotion_id}/withdraw", withdraw_promotion, name="page_promotion_withdraw")
    r.add_get(ADMIN_PATH, admin_queue, name="admin_promotions")
    r.add_post(ADMIN_PATH + "/policy", save_policy, name="admin_promotion_policy")
    r.add_post(ADMIN_PATH + "/{promotion_id}/{decision:approve|reject}", decide, name="admin_promotion_decide")
