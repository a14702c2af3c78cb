"""Admin actions on federation policies: per domain (with CSV import/export) and per actor."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from federation import modlog
from federation.instance_settings import put_setting
from federation.policy.domains import FEDERATION_MODE, covers, normalize_domain
from models.actors import Actor
from federation.insights.events import remove_follows
from models.follows import Follow
from models.insights import LOST_SUSPENDED
from models.moderation import (
    ACTOR_POLICIES, ALLOW, DOMAIN_POLICIES, LIMIT, REJECT_MEDIA, SUSPEND, ActorPolicy, DomainPolicy,
)
from models.queues import FAILED, PENDING, Delivery

if TYPE_CHECKING:
    from federation.context import FederationContext

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?(:\d{1,5})?$")
# Mastodon's domain block export: severity suspend / silence / noop.
MASTODON_HEADER = ["#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment", "#obfuscate"]
FROM_MASTODON = {"suspend": SUSPEND, "silence": LIMIT, "noop": REJECT_MEDIA}
TO_MASTODON = {SUSPEND: "suspend", LIMIT: "silence", REJECT_MEDIA: "noop"}


class PolicyError(ValueError):
    """The policy cannot be set as given; the message says why."""


def check_domain(domain: str) -> str:
    host = normalize_domain(domain)
    if not _DOMAIN.match(host):
        raise PolicyError(f"{domain!r} is not a domain name")
    return host


def on_domain(field_name: str, domain: str) -> Q:
    """Rows whose host field is the domain, one of its subdomains, or either with a port."""
    return (
        Q(**{field_name: domain})
        | Q(**{f"{field_name}__endswith": "." + domain})
        | Q(**{f"{field_name}__startswith": domain + ":"})
        | Q(**{f"{field_name}__contains": "." + domain + ":"})
    )


async def set_domain_policy(
    ctx: "FederationContext", admin: Actor | None, domain: str, policy: str, *, public_reason: str = "",
    private_reason: str = "", expires_at: datetime | None = None, reject_media: bool = False,
) -> DomainPolicy:
    host = check_domain(domain)
    if policy not in DOMAIN_POLICIES:
        raise PolicyError(f"policy must be one of {', '.join(DOMAIN_POLICIES)}, not {policy!r}")
    if covers(host, ctx.host):
        raise PolicyError("this server's own domain cannot have a federation policy")
    async with in_transaction():
        row, _ = await DomainPolicy.update_or_create(
            defaults={"policy": policy, "public_reason": public_reason, "private_reason": private_reason,
                      "expires_at": expires_at, "reject_media": reject_media or policy == REJECT_MEDIA,
                      "created_by": admin},
            domain=host,
        )
        if policy == SUSPEND:
            await _cut_off(host)
        await modlog.record(f"domain.{policy}", moderator=admin, target=host, reason=public_reason,
                            private_reason=private_reason or None, expires_at=expires_at.isoformat() if expires_at else None)
    ctx.policies.invalidate()
    return row


async def _cut_off(domain: str) -> None:
    """Suspension: the domain's followers and memberships go, and nothing more is delivered there."""
    await remove_follows(await Follow.filter(on_domain("follower__domain", domain)), LOST_SUSPENDED)  # lost followers
    await Follow.filter(on_domain("target__domain", domain)).delete()
    await Delivery.filter(on_domain("host", domain), state=PENDING).update(
        state=FAILED, last_error=f"{domain} is suspended", locked_until=None
    )


async def remove_domain_policy(ctx: "FederationContext", admin: Actor | None, domain: str, *, reason: str = "") -> bool:
    host = check_domain(domain)
    removed = await DomainPolicy.filter(domain=host).delete()
    if removed:
        await modlog.record("domain.cleared", moderator=admin, target=host, reason=reason)
    ctx.policies.invalidate()
    return bool(removed)


async def set_federation_mode(ctx: "FederationContext", admin: Actor | None, mode: str, *, reason: str = "") -> None:
    if mode not in ("blocklist", "allowlist"):
        raise PolicyError("the federation mode is blocklist or allowlist")
    await put_setting(FEDERATION_MODE, mode)
    await modlog.record("instance.federation_mode", moderator=admin, target=mode, reason=reason)
    ctx.policies.invalidate()


async def set_actor_policy(
    ctx: "FederationContext", admin: Actor | None, actor: Actor, policy: str, *, reason: str = "",
    expires_at: datetime | None = None,
) -> ActorPolicy:
    if policy not in ACTOR_POLICIES:
        raise PolicyError(f"policy must be one of {', '.join(ACTOR_POLICIES)}, not {policy!r}")
    if actor.is_local:
        raise PolicyError("federation policies are for remote actors")
    async with in_transaction():
        row, _ = await ActorPolicy.update_or_create(
            defaults={"policy": policy, "reason": reason, "expires_at": expires_at}, actor=actor
        )
        if policy == SUSPEND:
            await remove_follows(await Follow.filter(follower=actor), LOST_SUSPENDED)  # lost followers
            await Follow.filter(target=actor).delete()
        await modlog.record(f"actor.{policy}", moderator=admin, target=actor.uri, reason=reason, public=policy != "trusted")
    ctx.policies.invalidate()
    return row


async def remove_actor_policy(ctx: "FederationContext", admin: Actor | None, actor: Actor, *, reason: str = "") -> bool:
    removed = await ActorPolicy.filter(actor=actor).delete()
    if removed:
        await modlog.record("actor.cleared", moderator=admin, target=actor.uri, reason=reason)
    ctx.policies.invalidate()
    return bool(removed)


# --- CSV in Mastodon's domain block format --------------------------------------------------


def export_csv(rows: list[DomainPolicy]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MASTODON_HEADER)
    for row in rows:
        if row.policy == ALLOW:
            continue
        writer.writerow([row.domain, TO_MASTODON[row.policy], str(row.reject_media).lower(), "false",
                         row.public_reason, "false"])
    return out.getvalue()


@dataclass
class ImportResult:
    imported: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def parse_csv(text: str) -> tuple[list[tuple[str, str, bool, str]], list[str]]:
    """(domain, policy, reject_media, public comment) rows, and errors by line number."""
    rows: list[tuple[str, str, bool, str]] = []
    errors: list[str] = []
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    for number, cells in enumerate(reader, start=1):
        if not cells or not any(cell.strip() for cell in cells):
            continue
        if cells[0].strip().startswith("#"):
            header = [cell.strip().lstrip("#").lower() for cell in cells]
            continue
        values = dict(zip(header or ["domain"], (cell.strip() for cell in cells)))
        severity = (values.get("severity") or "suspend").lower()
        if severity not in FROM_MASTODON:
            errors.append(f"line {number}: unknown severity {severity!r}")
            continue
        try:
            domain = check_domain(values.get("domain", ""))
        except PolicyError as exc:
            errors.append(f"line {number}: {exc}")
            continue
        reject_media = values.get("reject_media", "false").lower() == "true"
        rows.append((domain, FROM_MASTODON[severity], reject_media, values.get("public_comment", "")))
    return rows, errors


async def import_csv(ctx: "FederationContext", admin: Actor | None, text: str) -> ImportResult:
    rows, errors = parse_csv(text)
    result = ImportResult(errors=errors)
    for domain, policy, reject_media, comment in rows:
        try:
            await set_domain_policy(ctx, admin, domain, policy, public_reason=comment, reject_media=reject_media)
        except PolicyError as exc:
            result.errors.append(f"{domain}: {exc}")
            continue
        result.imported.append(domain)
    return result
