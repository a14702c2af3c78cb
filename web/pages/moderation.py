"""Moderation and admin pages. /moderation lists the queues a person looks after; setup(app) registers
every moderation and admin route (the queues and admin pages live in moderation_* and admin_* modules)."""
from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from models.accounts import PENDING as REGISTRATION_PENDING
from models.accounts import RegistrationRequest
from models.actors import Actor
from models.follows import PENDING, Follow
from models.groups import HELD, GroupRole, HeldActivity
from models.moderation import OPEN, Report
from web import request_keys as rk
from web.pages import admin_settings, admin_users, moderation_group, moderation_instance
from web.sessions import require_user
from web.templating import gettext, render_page


@dataclass
class GroupQueue:
    group: Actor
    role: str
    requests: int
    held: int
    reports: int


async def index(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    account = request[rk.ACCOUNT]
    is_admin = account is not None and account.is_admin
    roles = await GroupRole.filter(actor=user, group__is_local=True, group__deleted_at=None).prefetch_related("group")
    if not roles and not is_admin:
        raise web.HTTPForbidden(text=gettext(request, "You moderate no groups here."))
    queues = [
        GroupQueue(
            group=role.group, role=role.role,
            requests=await Follow.filter(target_id=role.group_id, state=PENDING).count(),
            held=await HeldActivity.filter(group_id=role.group_id, state=HELD).count(),
            reports=await Report.filter(group_id=role.group_id, state=OPEN).count(),
        )
        for role in sorted(roles, key=lambda role: role.group.group_name or "")
    ]
    instance = None
    if is_admin:
        instance = {
            "held": await HeldActivity.filter(state=HELD).count(),
            "reports": await Report.filter(state=OPEN).count(),
            "registrations": await RegistrationRequest.filter(state=REGISTRATION_PENDING).count(),
        }
    return render_page(request, "moderation/index.html", queues=queues, instance=instance)


def setup(app: web.Application) -> None:
    app.router.add_get("/moderation", index, name="moderation")
    moderation_group.setup(app)
    moderation_instance.setup(app)
    admin_settings.setup(app)
    admin_users.setup(app)
