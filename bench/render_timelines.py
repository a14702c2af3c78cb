"""The timelines part of bench/render_bench.py (`--cases timelines`): what the personal hide filter costs.

federation/people/personal_filters.py keeps a signed-in reader's blocked and muted accounts (and those that block
them) out of every timeline query. Two readers follow the same 21 local people, who post `posts_each` statuses
each: one reader has no blocks or mutes; the other blocks `blocks` accounts, mutes `mutes` more (and one of the
21, "noisy", whose posts must then be missing from that reader's timelines: the check that the filter works), and
is blocked by `blocked_by` others. Both readers' home timeline (the web page /home, and the API's) and the public
timeline (API) are measured the same way as the group page, each with its ceiling.

The blocks and mutes are rows written straight into the database (personal_block, personal_mute) against remote
accounts that post nothing: a read benchmark needs the rows, not 5,000 Block activities on their way out. The
pages of both readers hold the same number of posts, so the difference between them is the filter's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web

from benchlib import say
from federation import actions
from federation.actions.statuses import StatusInput, create_status
from federation.local_actors import create_token, create_user
from models.actors import Actor, LocalUser
from models.personal_blocks import PersonalBlock, PersonalMute
from server import keys
from server.database import activate
from web.passwords import hash_password

POSTERS = 20  # besides "noisy", whom the wary reader mutes
BATCH = 500
STATUS_ID = re.compile(r'"id": ?"(\d+)", ?"uri"')
NOISY_TEXT = "noisy post"


@dataclass
class Readers:
    plain: tuple[str, str]  # (name, API token): no blocks or mutes
    wary: tuple[str, str]  # thousands of blocks and mutes
    noisy_id: int  # muted by the wary reader only


async def _remote_accounts(count: int) -> list[int]:
    """`count` remote people on 50 hosts, written in batches (none of them posts)."""
    rows = []
    for index in range(count):
        host = f"remote{index % 50}.example"
        rows.append(Actor(uri=f"https://{host}/users/quiet{index}", type="Person", is_local=False,
                          username=f"quiet{index}", domain=host, inbox=f"https://{host}/users/quiet{index}/inbox",
                          shared_inbox=f"https://{host}/inbox"))
    for start in range(0, count, BATCH):
        await Actor.bulk_create(rows[start:start + BATCH])
    return list(await Actor.filter(username__startswith="quiet", is_local=False).order_by("id")
                .values_list("id", flat=True))


async def fill_timelines(app: web.Application, password: str, posts_each: int, blocks: int, mutes: int,
                         blocked_by: int) -> Readers:
    ctx = app[keys.FEDERATION]
    activate(app[keys.DATABASE])
    password_hash = hash_password(password)
    if not await LocalUser.filter(is_admin=True).exists():  # the sign-in form sends a server without one to /setup
        await create_user(ctx, "siteadmin", password_hash=None, is_admin=True)
    plain = await create_user(ctx, "plainreader", password_hash=password_hash, display_name="Plain Reader")
    wary = await create_user(ctx, "waryreader", password_hash=password_hash, display_name="Wary Reader")
    posters = [await create_user(ctx, f"poster{index}", password_hash=None, display_name=f"Poster {index}")
               for index in range(POSTERS)]
    noisy = await create_user(ctx, "noisy", password_hash=None, display_name="Noisy")
    for reader in (plain, wary):
        for poster in posters + [noisy]:
            await actions.follow(ctx, reader, poster)
    for number in range(posts_each):
        for poster in posters:
            await create_status(ctx, poster, StatusInput(text=f"Note {number} from {poster.username} #garden"))
        await create_status(ctx, noisy, StatusInput(text=f"{NOISY_TEXT} {number}"))
    quiet = await _remote_accounts(blocks + mutes + blocked_by)
    block_rows = [PersonalBlock(actor_id=wary.id, target_id=target) for target in quiet[:blocks]]
    block_rows += [PersonalBlock(actor_id=blocker, target_id=wary.id) for blocker in quiet[blocks + mutes:]]
    mute_rows = [PersonalMute(actor_id=wary.id, target_id=target) for target in quiet[blocks:blocks + mutes]]
    mute_rows.append(PersonalMute(actor_id=wary.id, target_id=noisy.id))
    for rows, model in ((block_rows, PersonalBlock), (mute_rows, PersonalMute)):
        for start in range(0, len(rows), BATCH):
            await model.bulk_create(rows[start:start + BATCH])
    say(f"  the wary reader blocks {blocks}, mutes {mutes + 1} and is blocked by {blocked_by} accounts; "
        f"{(POSTERS + 1) * posts_each} posts by the {POSTERS + 1} people both follow")
    return Readers(("plainreader", await create_token(plain)), ("waryreader", await create_token(wary)), noisy.id)


def statuses_on(page: str) -> int:
    """How many statuses a timeline shows: the API's JSON list, or the web page's thread links."""
    if page.startswith("["):
        return len(STATUS_ID.findall(page))
    return len(set(re.findall(r'href="/threads/(\d+)"', page)))


def check_pages(label: str, plain: str, wary: str) -> None:
    """Same length on both sides; the noisy account's posts for the plain reader only (the filter works)."""
    if statuses_on(plain) != statuses_on(wary) or statuses_on(plain) == 0:
        raise SystemExit(f"{label}: {statuses_on(plain)} statuses for the plain reader, {statuses_on(wary)} for the "
                         "wary one: the pages should hold as many")
    if NOISY_TEXT not in plain or NOISY_TEXT in wary:
        raise SystemExit(f"{label}: the muted account's posts should show for the plain reader only")
