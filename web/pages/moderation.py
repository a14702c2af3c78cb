"""Moderation and admin pages. /moderation lists the queues a person looks after; setup(app) registers
every moderation and admin route (the queues and admin pages live in moderation_* and admin_* modules)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from tortoise.functions import Count
from tortoise.queryset import QuerySet

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


async def _counts(query: QuerySet[Any], field: str) -> dict[int, int]:
    """{group id: rows}, in one query for every group a person moderates."""
    rows = await query.group_by(field).annotate(rows=Count("id")).values(field, "rows")
    return {row[field]: row["rows"] for row in rows}


async def index(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    account = request[rk.ACCOUNT]
    is_admin = account is not None and account.is_admin
    roles = await GroupRole.filter(actor=user, group__is_local=True, group__deleted_at=None).prefetch_related("group")
    if not roles and not is_admin:
        raise web.HTTPForbidden(text=gettext(request, "You moderate no groups here."))
    ids = [role.group_id for role in roles]
    requests, held, reports = ((await _counts(Follow.filter(target_id__in=ids, state=PENDING), "target_id"),
                                await _counts(HeldActivity.filter(group_id__in=ids, state=HELD), "group_id"),
                                await _counts(Report.filter(group_id__in=ids, state=OPEN), "group_id"))
                               if ids else ({}, {}, {}))
    queues = [
        GroupQueue(group=role.group, role=role.role, requests=requests.get(role.group_id, 0),
                   held=held.get(role.group_id, 0), reports=reports.get(role.group_id, 0))
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
