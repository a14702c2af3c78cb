"""The route table, with named routes."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web import activitypub, inbox, wellknown
from web.api import accounts, follow_requests, search, statuses

KIND = "{kind:users|pages|groups}"
STATIC_DIR = Path(__file__).parent / "static"


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/", activitypub.home, name="home")
    r.add_get("/.well-known/webfinger", wellknown.webfinger_handler, name="webfinger")
    r.add_get("/.well-known/host-meta", wellknown.host_meta, name="host_meta")
    r.add_get("/.well-known/nodeinfo", wellknown.nodeinfo_discovery, name="nodeinfo")
    r.add_get("/nodeinfo/{version}", wellknown.nodeinfo_document, name="nodeinfo_document")

    r.add_post("/inbox", inbox.shared_inbox, name="shared_inbox")
    r.add_get("/actor", activitypub.instance_actor, name="instance_actor")
    r.add_post("/actor/inbox", inbox.actor_inbox, name="instance_inbox")
    r.add_get(f"/{KIND}/{{name}}", activitypub.actor_document, name="actor")
    r.add_post(f"/{KIND}/{{name}}/inbox", inbox.actor_inbox, name="actor_inbox")
    r.add_get(
        f"/{KIND}/{{name}}/{{collection:outbox|followers|following|featured|moderators}}",
        activitypub.collection,
        name="actor_collection",
    )
    r.add_get("/@{name}", activitypub.profile, name="profile")
    r.add_get("/posts/{post_id}", activitypub.post_object, name="post")
    r.add_get("/activities/{activity_id}", activitypub.activity_object, name="activity")

    r.add_get("/api/v1/accounts/verify_credentials", accounts.verify_credentials, name="api_verify_credentials")
    r.add_get("/api/v1/accounts/{account_id}", accounts.show, name="api_account")
    r.add_post("/api/v1/accounts/{account_id}/follow", accounts.follow, name="api_follow")
    r.add_post("/api/v1/accounts/{account_id}/unfollow", accounts.unfollow, name="api_unfollow")
    r.add_post("/api/v1/statuses", statuses.create, name="api_statuses")
    r.add_get("/api/v1/statuses/{status_id}", statuses.show, name="api_status")
    r.add_put("/api/v1/statuses/{status_id}", statuses.edit, name="api_status_edit")
    r.add_delete("/api/v1/statuses/{status_id}", statuses.delete, name="api_status_delete")
    r.add_post("/api/v1/statuses/{status_id}/pin", statuses.pin, name="api_pin")
    r.add_post("/api/v1/statuses/{status_id}/unpin", statuses.unpin, name="api_unpin")
    r.add_post("/api/v1/statuses/{status_id}/favourite", statuses.favourite, name="api_favourite")
    r.add_post("/api/v1/statuses/{status_id}/unfavourite", statuses.unfavourite, name="api_unfavourite")
    r.add_get("/api/v1/follow_requests", follow_requests.index, name="api_follow_requests")
    r.add_post("/api/v1/follow_requests/{account_id}/authorize", follow_requests.authorize, name="api_follow_authorize")
    r.add_post("/api/v1/follow_requests/{account_id}/reject", follow_requests.reject, name="api_follow_reject")
    r.add_get("/api/v2/search", search.search, name="api_search")
    r.add_static("/static", STATIC_DIR, name="static")
