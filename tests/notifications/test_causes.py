"""Each kind of notification made by its real cause: remote activities signed over the inbox, local actions
through the API, moderation; never for one's own action, never twice, never about what the recipient may not see."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from federation.jobs import run_due_jobs
from models.actors import Actor
from models.notifications import Notification
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeRemote
from tests.groups.helpers import make_group
from tests.notifications.helpers import deliver, kinds_of, note, post


async def test_a_remote_mention_reply_like_boost_and_follow_each_notify_once(moot: MootInstance, remote: FakeRemote) -> None:
    ann, ann_token = await moot.user("ann")
    mine = await post(moot, ann_token, "Hello, fediverse")
    bob = remote.add_actor("bob")

    mention = note(bob, "@ann hi there", mention=ann)
    await deliver(moot, remote, bob, ann.inbox, mention)
    reply = note(bob, "Welcome!", in_reply_to=mine["uri"], mention=ann)  # a reply that mentions: one notification
    await deliver(moot, remote, bob, ann.inbox, reply)
    like = {"@context": AS, "id": bob.new_id(), "type": "Like", "actor": bob.uri, "object": mine["uri"]}
    await deliver(moot, remote, bob, ann.inbox, like)
    boost = {"@context": AS, "id": bob.new_id(), "type": "Announce", "actor": bob.uri, "object": mine["uri"],
             "to": [PUBLIC], "cc": [bob.followers]}
    await deliver(moot, remote, bob, ann.inbox, boost)
    follow = {"@context": AS, "id": bob.new_id(), "type": "Follow", "actor": bob.uri, "object": ann.uri}
    await deliver(moot, remote, bob, ann.inbox, follow)
    assert await kinds_of(moot, ann) == ["mention", "reply", "favourite", "reblog", "follow"]
    bob_here = await Actor.get(uri=bob.uri)
    assert await Notification.filter(recipient=ann, from_actor=bob_here).count() == 5
    first = await Notification.filter(recipient=ann, kind="mention").first()
    assert first is not None and first.post_id is not None and first.read_at is None

    # The same causes again: a second Like (new id) of the same post, the mention relayed a second time.
    await deliver(moot, remote, bob, ann.inbox, {**like, "id": bob.new_id()})
    await deliver(moot, remote, bob, ann.inbox, {**mention, "id": bob.new_id()})
    assert await kinds_of(moot, ann) == ["mention", "reply", "favourite", "reblog", "follow"]


async def test_local_actions_through_the_api_notify_others_never_oneself(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    cat, cat_token = await moot.user("cat")
    mine = await post(moot, ann_token, "Soup tonight")
    await post(moot, cat_token, "Count me in", in_reply_to_id=mine["id"])
    status, _ = await moot.api("POST", f"/api/v1/statuses/{mine['id']}/favourite", cat_token)
    assert status == 200
    status, _ = await moot.api("POST", f"/api/v1/statuses/{mine['id']}/reblog", cat_token)
    assert status == 200
    await post(moot, cat_token, "@ann bring bread?")
    status, _ = await moot.api("POST", f"/api/v1/accounts/{ann.id}/follow", cat_token)
    assert status == 200
    # ann's own actions tell nobody, ann included.
    await post(moot, ann_token, "Also: dessert", in_reply_to_id=mine["id"])
    await moot.api("POST", f"/api/v1/statuses/{mine['id']}/favourite", ann_token)
    await post(moot, ann_token, "@ann note to self")
    await moot.api("POST", f"/api/v1/statuses/{mine['id']}/reblog", ann_token)
    assert await kinds_of(moot, ann) == ["reply", "favourite", "reblog", "mention", "follow"]
    assert await kinds_of(moot, cat) == []


async def test_a_private_group_tells_only_those_who_may_see_and_its_moderation_tells_the_author(
    moot: MootInstance,
) -> None:
    group, olga, olga_token, _ = await make_group(moot, "vault", private=True)
    mia, mia_token = await moot.user("mia")
    dora, _ = await moot.user("dora")
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", mia_token)
    assert status in (200, 201), body
    assert await kinds_of(moot, olga) == ["join_request"]
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/requests/{mia.id}/approve", olga_token)
    assert status == 200, body
    assert await kinds_of(moot, mia) == ["join_approved"]

    status, thread = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", mia_token,
                                    json={"title": "Secret plans", "body": "@dora @vault_owner the Kanarie plan"})
    assert status == 201, thread
    assert await kinds_of(moot, dora) == []  # outside the private group: never told of its posts
    assert await kinds_of(moot, olga) == ["join_request", "mention"]

    status, _ = await moot.api("POST", f"/api/moot/v1/posts/{thread['id']}/remove", olga_token,
                               json={"reason": "Off topic"})
    assert status == 200
    status, _ = await moot.api("POST", f"/api/moot/v1/posts/{thread['id']}/restore", olga_token)
    assert status == 200
    assert await kinds_of(moot, mia) == ["join_approved", "post_removed", "post_restored"]
    removed = await Notification.get(recipient=mia, kind="post_removed")
    assert removed.extra == {"reason": "Off topic"} and removed.group_id == group.id and removed.from_actor_id is None

    # A report of a post in the group goes to its moderators, not to the instance's admins.
    admin, _ = await moot.user("siteadmin", is_admin=True)
    status, body = await moot.api("POST", "/api/moot/v1/reports", mia_token,
                                  json={"status_ids": [thread["id"]], "comment": "spam"})
    assert status == 422  # one's own post: refused, and nobody told
    nina, nina_token = await moot.user("nina")
    await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", nina_token)
    await moot.api("POST", f"/api/moot/v1/groups/{group.id}/requests/{nina.id}/approve", olga_token)
    status, body = await moot.api("POST", "/api/moot/v1/reports", nina_token,
                                  json={"status_ids": [thread["id"]], "comment": "spam"})
    assert status == 201, body
    assert (await kinds_of(moot, olga))[-1] == "report"
    assert await kinds_of(moot, admin) == []
    report = await Notification.get(recipient=olga, kind="report")
    assert report.extra == {"report_id": int(body["id"])}


async def test_a_closed_poll_and_a_changed_cancelled_event_tell_the_people_in_them(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    cat, cat_token = await moot.user("cat")
    dan, _ = await moot.user("dan")
    poll_post = await post(moot, ann_token, "Which soup?", poll={"options": ["Pea", "Tomato"], "expires_in": 600})
    status, body = await moot.api("POST", f"/api/v1/polls/{poll_post['poll']['id']}/votes", cat_token,
                                  json={"choices": [1]})
    assert status == 200, body
    moot.use()
    await run_due_jobs(moot.fed, now=datetime.now(timezone.utc) + timedelta(minutes=20))
    assert await kinds_of(moot, ann) == ["poll"] and await kinds_of(moot, cat) == ["poll"]
    assert await kinds_of(moot, dan) == []

    starts = (datetime.now(timezone.utc) + timedelta(days=3)).replace(hour=19, minute=0, second=0, microsecond=0)
    status, event = await moot.api("POST", "/api/moot/v1/events", ann_token, json={
        "title": "Soup night", "starts_at": starts.strftime("%Y-%m-%dT18:00"), "time_zone": "UTC"})
    assert status == 201, event
    status, body = await moot.api("POST", f"/api/moot/v1/events/{event['id']}/register", cat_token)
    assert status == 200, body
    status, body = await moot.api("PATCH", f"/api/moot/v1/events/{event['id']}", ann_token,
                                  json={"title": "Soup night (moved)", "starts_at": starts.strftime("%Y-%m-%dT19:00"),
                                        "time_zone": "UTC"})
    assert status == 200, body
    assert await kinds_of(moot, cat) == ["poll", "event_changed"]
    moot.use()
    await run_due_jobs(moot.fed, now=starts - timedelta(hours=12))  # the day before: the reminder
    await run_due_jobs(moot.fed, now=starts - timedelta(hours=11))  # once only
    assert await kinds_of(moot, cat) == ["poll", "event_changed", "event_reminder"]
    status, body = await moot.api("POST", f"/api/moot/v1/events/{event['id']}/cancel", ann_token,
                                  json={"reason": "Out of leeks"})
    assert status == 200, body
    assert await kinds_of(moot, cat) == ["poll", "event_changed", "event_reminder", "event_cancelled"]
    assert await kinds_of(moot, ann) == ["poll"]  # the organiser is not told of their own changes
    cancelled = await Notification.get(recipient=cat, kind="event_cancelled")
    assert cancelled.extra["reason"] == "Out of leeks"


async def test_a_held_post_tells_its_author_and_a_rejection_says_why_and_pages_are_told_too(moot: MootInstance) -> None:
    from federation.notifications.core import unread_count

    group, olga, olga_token, _ = await make_group(moot, "market", non_member_posts="hold")
    hal, hal_token = await moot.user("hal")
    status, held = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", hal_token,
                                  json={"title": "Buy my stuff", "body": "@market_owner cheap"})
    assert status == 202, held
    assert await kinds_of(moot, hal) == ["post_held"]
    assert await kinds_of(moot, olga) == []  # a held post mentions nobody yet
    status, items = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/held", olga_token)
    assert status == 200 and len(items) == 1, items
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/held/{items[0]['id']}/reject", olga_token,
                                  json={"reason": "No selling"})
    assert status == 200, body
    assert await kinds_of(moot, hal) == ["post_held", "post_removed"]
    assert (await Notification.get(recipient=hal, kind="post_removed")).extra == {"reason": "No selling"}

    # A page is told of its followers; its admin reads that with their own.
    page, _ = await moot.page("bakery", olga)
    status, _ = await moot.api("POST", f"/api/v1/accounts/{page.id}/follow", hal_token)
    assert status == 200
    assert await kinds_of(moot, page) == ["follow"]
    assert await unread_count(olga, with_pages=True) == 1 and await unread_count(olga) == 0
