"""The quick paths of the insights pages count exactly what the raw rows hold: today's interactions with a
page (counted by the database), a group's distinct active people over 7 and 30 days (the rollup's prior
counts plus today's people), and a group's members per server (the nightly snapshot plus the joins and
leaves since). Each is checked against a count of the raw rows, after a change today (a new row, an undo or
a deletion) and after the rollup at midnight."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

from federation.group_insights import group_insights
from federation.group_insights.daily import _counted_trailing
from federation.group_insights.rollups import roll_up_all
from federation.group_insights.servers import _servers_counted, _servers_kept, member_servers
from federation.insights.rollups import count_days, epoch_hour, live_today, rollup
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.group_insights import GroupDailyStat
from models.insights import FOLLOWED, UNFOLLOWED, FollowEvent, PageDay, PageHour
from models.posts import ANNOUNCE, LIKE, REPLY, Interaction, Post
from tests.conftest import MootInstance
from tests.groups.helpers import make_group

T = datetime.now(timezone.utc).date()


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.utc)


async def _person(name: str, domain: str) -> Actor:
    uri = f"https://{domain}/users/{name}"
    return await Actor.create(uri=uri, type="Person", username=name, domain=domain, inbox=uri + "/inbox")


async def _raw_page_day(page_id: int, day: date) -> tuple[Counter, Counter, dict[int, Counter]]:
    """The day's interactions with the page's posts, counted in Python from every raw row."""
    own = set(await Post.filter(author_id=page_id).values_list("id", flat=True))
    kinds: Counter = Counter()
    hours: Counter = Counter()
    per_post: dict[int, Counter] = {}
    for kind, created, post_id in await Interaction.all().values_list("kind", "created_at", "post_id"):
        if post_id in own and created.astimezone(timezone.utc).date() == day:
            kinds[kind] += 1
            hours[epoch_hour(created)] += 1
            per_post.setdefault(post_id, Counter())[kind] += 1
    return kinds, hours, per_post


async def _check_page_day(page_id: int, day: date) -> None:
    kinds, hours, per_post = await _raw_page_day(page_id, day)
    counted = await count_days(page_id, day, day)
    figures = counted.days[0]
    assert (figures.likes, figures.boosts, figures.replies) == (kinds[LIKE], kinds[ANNOUNCE], kinds[REPLY])
    assert dict(counted.hours) == dict(hours)
    assert {p: dict(c) for p, c in counted.per_post.items()} == {p: dict(c) for p, c in per_post.items()}
    assert counted.touched_posts == set(per_post)


async def test_todays_interactions_count_like_the_raw_rows(moot: MootInstance) -> None:
    owner, _ = await moot.user("owner")
    page, _ = await moot.page("bakery", owner)
    other, _ = await moot.page("butcher", owner)
    people = [await _person(f"p{n}", "fans.example") for n in range(4)]
    posts = [await Post.create(uri=f"{moot.base_url}/posts/b{n}", author=page, is_local=True, content="<p>Bread</p>",
                               published=at(T - timedelta(days=3), 9)) for n in range(2)]
    theirs = await Post.create(uri=f"{moot.base_url}/posts/c0", author=other, is_local=True, content="<p>Meat</p>",
                               published=at(T - timedelta(days=3), 9))
    yesterday = T - timedelta(days=1)
    rows = [(LIKE, people[0], posts[0], at(T, 0, 5)), (LIKE, people[1], posts[0], at(T, 0, 50)),
            (ANNOUNCE, people[2], posts[0], at(T, 3)), (REPLY, people[3], posts[1], at(T, 3, 30)),
            (LIKE, people[0], posts[1], at(yesterday, 23, 59).replace(second=59, microsecond=999999)),
            (ANNOUNCE, people[1], posts[1], at(yesterday, 0)),
            (LIKE, people[2], theirs, at(T, 1))]  # another page's post: never counted for the bakery
    for n, (kind, actor, post, when) in enumerate(rows):
        await Interaction.create(kind=kind, actor=actor, post=post, activity_uri=f"https://fans.example/i/{n}",
                                 created_at=when)

    await _check_page_day(page.id, T)
    await _check_page_day(page.id, yesterday)
    live, hours, per_post = await live_today(page.id, T)
    assert (live.likes, live.boosts, live.replies) == (2, 1, 1)
    assert hours == Counter({epoch_hour(at(T, 0)): 2, epoch_hour(at(T, 3)): 2})
    assert per_post[posts[0].id] == Counter({LIKE: 2, ANNOUNCE: 1}) and per_post[posts[1].id] == Counter({REPLY: 1})

    # An undo deletes its row: the count follows at once.
    await Interaction.filter(activity_uri="https://fans.example/i/1").delete()
    await _check_page_day(page.id, T)
    live, hours, _ = await live_today(page.id, T)
    assert (live.likes, hours[epoch_hour(at(T, 0))]) == (1, 1)

    # Midnight: yesterday is rolled up from the same counts (its day and its hours).
    await rollup(page.id, yesterday, yesterday)
    stored = await PageDay.get(page_id=page.id, day=yesterday)
    assert (stored.likes, stored.boosts, stored.replies) == (1, 1, 0)
    assert dict(await PageHour.filter(page_id=page.id).values_list("hour", "interactions")) == {
        epoch_hour(at(yesterday, 23)): 1, epoch_hour(at(yesterday, 0)): 1}


async def _direct_active(group: Actor, today: date, span: int) -> int:
    """Distinct people with a post (not deleted) in the `span` days ending today, from the raw rows."""
    since = at(today - timedelta(days=span - 1), 0)
    return len(set(await Post.filter(group_id=group.id, deleted_at__isnull=True, published__gte=since,
                                     published__lt=at(today + timedelta(days=1), 0)).values_list("author_id", flat=True)))


async def _check_trailing(group: Actor, now: datetime) -> None:
    today = now.date()
    data = await group_insights(group, 7, now=now)
    week, month = data.figure("active_week").value, data.figure("active_month").value
    assert (week, month) == (await _direct_active(group, today, 7), await _direct_active(group, today, 30))
    kept = await GroupDailyStat.get(group_id=group.id, day=today - timedelta(days=1))
    assert kept.active_prior_week is not None and kept.active_prior_month is not None


async def test_active_people_over_7_and_30_days_count_like_the_raw_rows(moot: MootInstance) -> None:
    group, _, _, _ = await make_group(moot, "orchard")
    people = [await _person(f"m{n}", "members.example") for n in range(6)]
    posted = {0: [0, 3], 1: [2, 10], 2: [6, 7], 3: [20, 29], 4: [31], 5: [0]}  # days ago
    n = 0
    for who, days in posted.items():
        for ago in days:
            n += 1
            await Post.create(uri=f"https://members.example/p/{n}", author=people[who], group=group,
                              audience_group=group, published=at(T - timedelta(days=ago), 10), content="<p>Hi</p>")
    noon = at(T, 12)
    await _check_trailing(group, noon)

    # A post of today deleted (today is live), and one of someone active before posting today again.
    await Post.filter(author=people[5]).update(deleted_at=noon)
    await Post.create(uri="https://members.example/p/late", author=people[3], group=group, audience_group=group,
                      published=at(T, 11), content="<p>Back</p>")
    await _check_trailing(group, noon)

    # Midnight: today is rolled up, tomorrow starts empty, then someone posts.
    tomorrow = noon + timedelta(days=1)
    await _check_trailing(group, tomorrow)
    await Post.create(uri="https://members.example/p/next", author=people[4], group=group, audience_group=group,
                      published=at(T + timedelta(days=1), 9), content="<p>New day</p>")
    await _check_trailing(group, tomorrow)

    # Days rolled up before the prior counts were kept: counted from the member days, the same figures.
    await GroupDailyStat.filter(group_id=group.id).update(active_prior_week=None, active_prior_month=None)
    data = await group_insights(group, 7, now=tomorrow)
    today = tomorrow.date()
    assert (data.figure("active_week").value, data.figure("active_month").value) == (
        await _direct_active(group, today, 7), await _direct_active(group, today, 30))
    assert await _counted_trailing(group.id, today, {people[4].id}) == (
        await _direct_active(group, today, 7), await _direct_active(group, today, 30))


async def test_members_per_server_count_like_the_raw_rows(moot: MootInstance) -> None:
    group, _, _, _ = await make_group(moot, "allotment")
    domains = ["one.example", "one.example", "two.example", "three.example"]
    people = [await _person(f"s{n}", domain) for n, domain in enumerate(domains)]
    for person in people:
        await Follow.create(follower=person, target=group, state=ACCEPTED)
        await FollowEvent.create(target=group, follower_uri=person.uri, kind=FOLLOWED)
    await roll_up_all(T)  # the nightly job takes the snapshot

    async def check(kept: bool) -> None:
        members = await Follow.filter(target_id=group.id, state=ACCEPTED).count()
        assert (await _servers_kept(group.id, members) is not None) == kept
        live = await _servers_counted(group.id)
        servers, count = await member_servers(group.id, members)
        assert count == len(live)
        assert [(s.domain, s.members) for s in servers] == sorted(live.items(), key=lambda row: (-row[1], row[0]))

    await check(kept=True)
    # A join from a new server and a leave after the snapshot: added from the events.
    newcomer = await _person("n1", "four.example")
    await Follow.create(follower=newcomer, target=group, state=ACCEPTED)
    await FollowEvent.create(target=group, follower_uri=newcomer.uri, kind=FOLLOWED)
    await Follow.filter(follower=people[3], target=group).delete()
    await FollowEvent.create(target=group, follower_uri=people[3].uri, kind=UNFOLLOWED, reason="undo")
    await check(kept=True)
    # A membership gone without an event: the sum no longer matches, so the page counts live.
    await Follow.filter(follower=people[0], target=group).delete()
    await check(kept=False)
