"""Notification canaries: a post by the owner of the private group `vault` that mentions a member and two outsiders. Only
insiders are told (nina and dora may not see it: they get nothing); the insiders' notification ids fill
{notification_id}, and an unsubscribe link's secret fills {token} (its page shows nothing of anyone's)."""
from __future__ import annotations

from federation.notifications.mail import new_unsubscribe_link
from models.actors import Actor
from models.notifications import Notification
from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"  # tests/privacy/world.py's (imported from there, it would be a circle)


async def build(world: ActivityWorld) -> Canaries:
    moot, gid = world.moot, world.group.id
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{gid}/posts", world.tokens["olga"], json={
        "title": f"{CANARY}-notification-title", "body": f"@mia @nina @dora {CANARY}-notification-mention"})
    assert status == 201, body
    moot.use()
    olga = await Actor.get(local_name="olga")
    mia = await Actor.get(local_name="mia")
    told = await Notification.filter(recipient_id__in=[olga.id, mia.id], post_id=int(body["id"])) \
        .values_list("id", flat=True)
    assert told, "mia, a member, is told of the mention"
    for outsider in ("nina", "dora"):
        person = await Actor.get(local_name=outsider)
        assert not await Notification.filter(recipient=person, post_id=int(body["id"])).exists()
    link = await new_unsubscribe_link(moot.fed, olga.id)
    return Canaries(post_ids=[int(body["id"])],
                    strings=[f"{CANARY}-notification-title", f"{CANARY}-notification-mention"],
                    params={"notification_id": [str(i) for i in told], "token": [link.rsplit("/", 1)[1]]})
