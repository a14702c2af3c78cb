"""The route table, with named routes."""
from __future__ import annotations

from aiohttp import web

from web import activitypub, inbox, static_assets, template_helpers, wellknown
from web import app_keys as keys
from web.pages import community_create, setup_pages
from web.api import (
    accounts, admin_policies, admin_review, follow_requests, group_moderation, group_posts, groups, insights, search,
    statuses,
)
from web.api import answers as answers_api, checkins as checkins_api, draws as draws_api, events as events_api
from web.api import polls as polls_api
from web.api import members as members_api
from web.api import joining as joining_api
from web.api import group_insights as group_insights_api
from web.api import essentials as essentials_api
from web.api import subgroups as subgroups_api
from web.api import promotions as promotions_api
from web.api import notifications as notifications_api
from web.api import instance as instance_api, scopes as api_scopes
from web import oauth
from web.api.errors import json_errors
from web.api import account_reads, client_basics, client_more, status_reads, timelines as timelines_api
from web.api import personal_blocks as personal_blocks_api
from web.api import media_updates
from web.api import media_delete
from web.streaming import routes as streaming

KIND = "{kind:users|pages|groups}"


def setup_routes(app: web.Application) -> None:
    r = app.router
    # Before the actor routes: /groups/new and /pages/new are forms, not actors ("new" is a reserved name).
    community_create.setup(app)
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
        f"/{KIND}/{{name}}/{{collection:outbox|followers|following|featured|moderators|subgroups}}",
        activitypub.collection,
        name="actor_collection",
    )
    r.add_get("/@{name}", activitypub.profile, name="profile")
    r.add_get("/posts/{post_id}", activitypub.post_object, name="post")
    r.add_get("/activities/{activity_id}", activitypub.activity_object, name="activity")

    # Before /api/v1/accounts/{account_id}: relationships, lookup and update_credentials are not account ids.
    account_reads.setup(app)
    client_more.setup(app)
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
    for client_api in (timelines_api, status_reads, client_basics, streaming, personal_blocks_api,
                       media_updates):  # what Mastodon apps call every day
        client_api.setup(app)
    setup_group_routes(app)
    setup_moderation_routes(app)
    media_delete.setup(app)  # after media_updates: DELETE joins its GET/PUT resource
    for activity_api in (polls_api, events_api, answers_api, checkins_api, draws_api):
        activity_api.setup(app)
    essentials_api.setup(app)
    subgroups_api.setup(app)
    members_api.setup(app)
    joining_api.setup(app)
    notifications_api.setup(app)
    oauth.setup(app)
    instance_api.setup(app)
    # Scopes are checked (and CORS answered) around the JSON errors, for every API route.
    position = app.middlewares.index(json_errors) if json_errors in app.middlewares else len(app.middlewares)
    app.middlewares.insert(position, api_scopes.enforce_scopes)
    group_insights_api.setup(app)
    promotions_api.setup(app)
    setup_pages(app)
    static_assets.setup(app)
    template_helpers.register(app[keys.TEMPLATES], app[keys.TEMPLATES].globals["asset"])


def setup_group_routes(app: web.Application) -> None:
    r = app.router
    base = "/api/moot/v1/groups"
    group = base + "/{group_id}"
    r.add_post(base, groups.create, name="api_groups")
    r.add_get(group, groups.show, name="api_group")
    r.add_patch(group, groups.edit, name="api_group_edit")
    r.add_post(group + "/join", groups.join, name="api_group_join")
    r.add_post(group + "/leave", groups.leave, name="api_group_leave")
    r.add_get(group + "/requests", groups.requests, name="api_group_requests")
    r.add_post(group + "/requests/{account_id}/{decision:approve|reject}", groups.decide_request,
               name="api_group_request_decision")
    r.add_get(group + "/members", groups.members, name="api_group_members")
    r.add_delete(group + "/members/{account_id}", groups.remove_member, name="api_group_member_remove")
    r.add_post(group + "/moderators", group_moderation.add_moderator, name="api_group_moderators")
    r.add_delete(group + "/moderators/{account_id}", group_moderation.remove_moderator, name="api_group_moderator")
    r.add_post(group + "/bans", group_moderation.ban, name="api_group_bans")
    r.add_delete(group + "/bans/{account_id}", group_moderation.unban, name="api_group_ban")
    r.add_post(group + "/mutes", group_moderation.mute, name="api_group_mutes")
    r.add_delete(group + "/mutes/{account_id}", group_moderation.unmute, name="api_group_mute")
    r.add_get(group + "/held", group_moderation.held_items, name="api_group_held")
    r.add_post(group + "/held/{held_id}/{decision:approve|reject}", group_moderation.decide_held,
               name="api_group_held_decision")
    r.add_get(group + "/posts", group_posts.index, name="api_group_posts")
    r.add_post(group + "/posts", group_posts.create, name="api_group_post_create")
    r.add_get("/api/moot/v1/posts/{post_id}/thread", group_posts.thread, name="api_thread")
    r.add_post("/api/moot/v1/posts/{post_id}/{action:remove|restore|lock|unlock|pin|unpin}",
               group_moderation.moderate_post, name="api_post_moderation")


def setup_moderation_routes(app: web.Application) -> None:
    r = app.router
    admin = "/api/moot/v1/admin"
    r.add_get(admin + "/domain_policies", admin_policies.list_domains, name="admin_domains")
    r.add_post(admin + "/domain_policies", admin_policies.set_domain, name="admin_domain_set")
    r.add_delete(admin + "/domain_policies/{domain}", admin_policies.clear_domain, name="admin_domain_clear")
    r.add_get(admin + "/domain_policies.csv", admin_policies.export_domains, name="admin_domains_export")
    r.add_post(admin + "/domain_policies/import", admin_policies.import_domains, name="admin_domains_import")
    r.add_post(admin + "/federation_mode", admin_policies.set_mode, name="admin_mode")
    r.add_get(admin + "/actor_policies", admin_policies.list_actors, name="admin_actors")
    r.add_post(admin + "/actor_policies", admin_policies.set_actor, name="admin_actor_set")
    r.add_delete(admin + "/actor_policies/{account_id}", admin_policies.clear_actor, name="admin_actor_clear")
    r.add_get(admin + "/settings", admin_policies.show_settings, name="admin_settings")
    r.add_patch(admin + "/settings", admin_policies.edit_settings, name="admin_settings_edit")
    r.add_get(admin + "/content_rules", admin_review.list_rules, name="admin_rules")
    r.add_post(admin + "/content_rules", admin_review.add_rule, name="admin_rule_add")
    r.add_delete(admin + "/content_rules/{rule_id}", admin_review.remove_rule, name="admin_rule_remove")
    r.add_get(admin + "/held", admin_review.held_items, name="admin_held")
    r.add_post(admin + "/held/{held_id}/{decision:approve|reject}", admin_review.decide_held, name="admin_held_decision")
    r.add_get(admin + "/reports", admin_review.list_reports, name="admin_reports")
    r.add_get(admin + "/modlog", admin_review.admin_modlog, name="admin_modlog")
    group = "/api/moot/v1/groups/{group_id}"
    r.add_get(group + "/rules", admin_review.list_rules, name="group_rules")
    r.add_post(group + "/rules", admin_review.add_rule, name="group_rule_add")
    r.add_delete(group + "/rules/{rule_id}", admin_review.remove_rule, name="group_rule_remove")
    r.add_get(group + "/reports", admin_review.list_reports, name="group_reports")
    r.add_post("/api/moot/v1/reports", admin_review.file_report, name="reports_file")
    r.add_post("/api/moot/v1/reports/{report_id}/{decision:resolve|dismiss}", admin_review.close, name="reports_close")
    r.add_get("/api/moot/v1/modlog", admin_review.public_modlog, name="modlog")
    r.add_get("/api/moot/v1/pages/{name}/insights", insights.insights, name="page_insights")
