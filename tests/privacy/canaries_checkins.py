"""Check-ins' canaries: a check-in series in the private group `vault` (its prompt carries the canary word, and so
the title of its day thread), and a member's check-in with a canary note. No outsider may see the prompt, the day
thread, who checked in, the note or the leaderboard: not on the group's check-in page, its API or a thread panel."""
from __future__ import annotations

from models.checkins import CheckinDay
from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"  # tests/privacy/world.py's canary word (importing it here would be a cycle)


async def build(world: ActivityWorld) -> Canaries:
    moot, gid = world.moot, world.group.id
    status, series = await moot.api("POST", f"/api/moot/v1/groups/{gid}/checkins/series", world.tokens["olga"],
                                    json={"prompt": f"{CANARY}-checkin-prompt", "time_zone": "UTC"})
    assert status == 201, series
    await moot.drain()  # the day job: today's thread goes up
    status, checkin = await moot.api("POST", f"/api/moot/v1/groups/{gid}/checkins", world.tokens["mia"],
                                     json={"note": f"{CANARY}-checkin-note"})
    assert status == 201 and checkin["note"] == f"{CANARY}-checkin-note", checkin
    moot.use()
    day = await CheckinDay.get(series_id=int(series["id"]))
    assert day.thread_id is not None
    return Canaries(post_ids=[day.thread_id, int(checkin["post_id"])],
                    strings=[f"{CANARY}-checkin-prompt", f"{CANARY}-checkin-note"])
