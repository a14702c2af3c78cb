"""Uploads nobody used: an image uploaded for a post that was never written (the API's media endpoint, a form
that failed) is removed after a day. Avatars, headers, logos and favicons are kept: they belong to an actor or
to the instance, not to a post (they have no access key), and so is any file an actor's profile still names.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.expressions import Q

from federation.media_store import store_of
from federation.queue import utcnow
from models.accounts import MediaFile
from models.actors import Actor

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

ORPHAN_AGE = timedelta(days=1)
BATCH = 200


async def remove_orphaned_media(ctx: "FederationContext", now: datetime | None = None) -> int:
    """Delete attachment uploads older than a day that no post uses; returns how many went."""
    cutoff = (now or utcnow()) - ORPHAN_AGE
    candidates = await MediaFile.filter(post_id=None, access_key__isnull=False, created_at__lt=cutoff) \
        .order_by("id").limit(BATCH)
    if not candidates:
        return 0
    # A profile that names the file keeps it, whatever it was uploaded as.
    named = Q()
    for media in candidates:
        named |= Q(icon_url__contains=f"/media/{media.file_name}") | Q(image_url__contains=f"/media/{media.file_name}")
    profiles = " ".join(f"{icon or ''} {image or ''}"
                        for icon, image in await Actor.filter(named).values_list("icon_url", "image_url"))
    in_use = {media.file_name for media in candidates if media.file_name in profiles}
    orphans = [media for media in candidates if media.file_name not in in_use]
    # Only rows still unattached go: a post may have taken one since we read it.
    removed = await MediaFile.filter(id__in=[m.id for m in orphans], post_id=None).delete() if orphans else 0
    still = set(await MediaFile.filter(id__in=[m.id for m in orphans]).values_list("id", flat=True))
    store = store_of(ctx)  # local disk or a bucket (federation/media_store)
    if store is not None:
        await store.delete([m.file_name for m in orphans if m.id not in still])
    metrics = getattr(ctx, "metrics", None)
    if metrics is not None and removed:
        metrics.media_removed.inc(removed)
    if removed:
        log.info("removed %d uploads no post used", removed)
    return removed
