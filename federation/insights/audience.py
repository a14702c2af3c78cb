"""Audience: a page's followers per server and per server software (NodeInfo, cached a day per host)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tortoise.functions import Count

from federation.fetch import refuse_suspended
from federation.http import FetchError
from federation.resolve import scheme_for
from models.follows import ACCEPTED, Follow
from models.insights import HostSoftware, PageAudience

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

SOFTWARE_TTL = timedelta(days=1)
NODEINFO_PER_RUN = 100  # hosts asked per daily run, the biggest audiences first
LOCAL = ""  # PageAudience.host of followers on this server
JSON_TYPES = ("application/json", "application/jrd+json", "application/ld+json", "application/activity+json")


async def snapshot_audience(page_id: int, now: datetime | None = None) -> None:
    """Count the page's followers per server now, with each server's software as far as it is known."""
    moment = now or datetime.now(timezone.utc)
    rows = await Follow.filter(target_id=page_id, state=ACCEPTED).group_by("follower__domain", "follower__is_local") \
        .annotate(n=Count("id")).values_list("follower__domain", "follower__is_local", "n")
    per_host: dict[str, int] = {}
    for domain, is_local, n in rows:
        host = LOCAL if is_local else (domain or "").lower()
        per_host[host] = per_host.get(host, 0) + n
    software = dict(await HostSoftware.filter(host__in=[h for h in per_host if h]).values_list("host", "software")) \
        if len(per_host) < 20000 else dict(await HostSoftware.all().values_list("host", "software"))
    await PageAudience.filter(page_id=page_id).delete()
    await PageAudience.bulk_create([
        PageAudience(page_id=page_id, host=host, followers=n, taken_at=moment,
                     software="moot" if host == LOCAL else software.get(host, ""))
        for host, n in per_host.items()
    ], batch_size=1000)


def _software_of(doc: dict[str, Any]) -> tuple[str, str]:
    software = doc.get("software")
    if not isinstance(software, dict):
        return "", ""
    name, version = software.get("name"), software.get("version")
    clean = lambda v: v.strip().lower()[:64] if isinstance(v, str) else ""  # noqa: E731
    return clean(name), (version.strip()[:64] if isinstance(version, str) else "")


async def fetch_software(ctx: "FederationContext", host: str) -> tuple[str, str]:
    """A server's software from its NodeInfo (2.x), through the SSRF-guarded client; ("", "") when unknown."""
    discovery_url = f"{scheme_for(host, ctx.allow_private_addresses)}://{host}/.well-known/nodeinfo"
    await refuse_suspended(ctx, discovery_url)
    _, discovery = await ctx.http.get_json(discovery_url, accept="application/json", content_types=JSON_TYPES)
    links = discovery.get("links") if isinstance(discovery, dict) else None
    href = None
    for link in links if isinstance(links, list) else []:
        rel = link.get("rel") if isinstance(link, dict) else None
        if isinstance(rel, str) and "nodeinfo.diaspora.software/ns/schema/2" in rel and isinstance(link.get("href"), str):
            href = link["href"]
    if href is None or urlsplit(href).netloc.lower() != host.lower():
        return "", ""  # only a server's own NodeInfo speaks for it
    _, doc = await ctx.http.get_json(href, accept="application/json", content_types=JSON_TYPES)
    return _software_of(doc if isinstance(doc, dict) else {})


async def refresh_software(ctx: "FederationContext", hosts: list[str], now: datetime | None = None,
                           limit: int = NODEINFO_PER_RUN) -> int:
    """Ask the hosts whose software is unknown or older than a day; returns how many were asked."""
    moment = now or datetime.now(timezone.utc)
    fresh = set(await HostSoftware.filter(host__in=hosts, fetched_at__gte=moment - SOFTWARE_TTL)
                .values_list("host", flat=True))
    asked = 0
    for host in hosts:
        if not host or host in fresh:
            continue
        if asked >= limit:
            break
        asked += 1
        try:
            name, version = await fetch_software(ctx, host)
        except (FetchError, ValueError) as exc:
            log.info("nodeinfo of %s: %s", host, exc)
            name, version = "", ""
        await HostSoftware.update_or_create(defaults={"software": name, "version": version, "fetched_at": moment},
                                            host=host)
    return asked


async def top_hosts(page_id: int, limit: int = 1000) -> list[str]:
    return list(await PageAudience.filter(page_id=page_id).exclude(host=LOCAL).order_by("-followers")
                .limit(limit).values_list("host", flat=True))
