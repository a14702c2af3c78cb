"""/api/moot/v1: promotions.

    POST /api/moot/v1/pages/{name}/promotions                        a page admin asks (post_id, days, start?)
    GET  /api/moot/v1/pages/{name}/promotions                        the page's promotions with their figures
    POST /api/moot/v1/pages/{name}/promotions/{promotion_id}/withdraw
    GET  /api/moot/v1/admin/promotions                               admins: requests, current ones, history
    POST /api/moot/v1/admin/promotions/{promotion_id}/approve|reject  admins (reason)
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.promotions import PromotionError
from federation.promotions.requests import admin_listing, approve, page_admin_of, reject, request_promotion, \
    shown_state, withdraw
from federation.promotions.stats import PromotionStats, promotion_stats
from federation.protocol.common import parse_datetime
from federation.render import iso
from federation.vocab import SERVICE
from models.actors import Actor
from models.posts import Post
from models.promotions import Promotion
from web.api.auth import require_actor, require_admin
from web.api.params import read_params

BASE = "/api/moot/v1"


def _error(exc: PromotionError) -> web.HTTPException:
    return {403: web.HTTPForbidden, 404: web.HTTPNotFound, 409: web.HTTPConflict}.get(
        exc.status, web.HTTPUnprocessableEntity)(text=str(exc))


def _promotion(p: Promotion) -> dict[str, Any]:
    return {
        "id": str(p.id), "page_id": str(p.page_id), "post_id": str(p.post_id), "state": shown_state(p),
        "days": p.days, "starts_at": iso(p.starts_at) if p.starts_at else None,
        "ends_at": iso(p.ends_at) if p.ends_at else None, "reason": p.reason or None,
        "impressions": p.impressions, "clicks": p.clicks, "created_at": iso(p.created_at),
    }


def _stats(item: PromotionStats) -> dict[str, Any]:
    rate = item.click_through_rate
    return {**_promotion(item.promotion), "state": item.state, "engagement": item.engagement,
            "click_through_rate": round(rate, 4) if rate is not None else None}


async def _page(request: web.Request) -> tuple[Actor, Actor]:
    """(the caller, the page): someone who does not manage the page gets a 404, as for a missing page."""
    actor = await require_actor(request)
    page = await Actor.filter(local_name=request.match_info["name"].lower(), type=SERVICE, is_local=True,
                              deleted_at=None).first()
    if page is None or not (actor.id == page.id or await page_admin_of(actor, page)):
        raise web.HTTPNotFound(text="no such page")
    return actor, page


def _promotion_id(request: web.Request) -> int:
    raw = request.match_info["promotion_id"]
    if not (raw.isascii() and raw.isdigit() and len(raw) < 19):
        raise web.HTTPNotFound(text="no such promotion")
    return int(raw)


def _days(raw: Any) -> int:
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and raw.strip().isascii()
                                                             and raw.strip().isdigit() and len(raw.strip()) < 4)):
        raise web.HTTPUnprocessableEntity(text="days must be a whole number from 1 to 30")
    return int(raw)


async def create(request: web.Request) -> web.Response:
    actor, page = await _page(request)
    params = await read_params(request)
    post_id = str(params.get("post_id") or "")
    post = await Post.filter(id=int(post_id), author_id=page.id).first() \
        if post_id.isascii() and post_id.isdigit() and len(post_id) < 19 else None
    if post is None:
        raise web.HTTPNotFound(text="no such post of this page")
    start = None
    if params.get("start"):
        start = parse_datetime(str(params["start"])[:64])
        if start is None:
            raise web.HTTPUnprocessableEntity(text="start must be an ISO 8601 date and time")
    try:
        promotion = await request_promotion(page, actor, post, days=_days(params.get("days")), wanted_start=start)
    except PromotionError as exc:
        raise _error(exc) from None
    return web.json_response(_promotion(promotion), status=201)


async def page_list(request: web.Request) -> web.Response:
    _, page = await _page(request)
    return web.json_response([_stats(item) for item in await promotion_stats(page)])


async def withdraw_one(request: web.Request) -> web.Response:
    actor, page = await _page(request)
    try:
        promotion = await withdraw(_promotion_id(request), actor, page)
    except PromotionError as exc:
        raise _error(exc) from None
    return web.json_response(_promotion(promotion))


async def admin_list(request: web.Request) -> web.Response:
    await require_admin(request)
    listing = await admin_listing()
    return web.json_response({
        "requested": [_promotion(p) for p in listing.requested],
        "current": [_promotion(p) for p in listing.current],
        "history": [_promotion(p) for p in listing.history],
    })


async def decide(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    params = await read_params(request)
    promotion_id = _promotion_id(request)
    reason = str(params.get("reason") or "")
    try:
        if request.match_info["decision"] == "approve":
            promotion = await approve(promotion_id, admin, reason)
        else:
            promotion = await reject(promotion_id, admin, reason)
    except PromotionError as exc:
        raise _error(exc) from None
    return web.json_response(_promotion(promotion))


def setup(app: web.Application) -> None:
    r = app.router
    r.add_post(BASE + "/pages/{name}/promotions", create, name="api_page_promotion_create")
    r.add_get(BASE + "/pages/{name}/promotions", page_list, name="api_page_promotions")
    r.add_post(BASE + "/pages/{name}/promotions/{promotion_id}/withdraw", withdraw_one,
               name="api_page_promotion_withdraw")
    r.add_get(BASE + "/admin/promotions", admin_list, name="api_admin_promotions")
    r.add_post(BASE + "/admin/promotions/{promotion_id}/{decision:approve|reject}", decide,
               name="api_admin_promotion_decide")
