"""The draws pages without JavaScript: the New draw form (its deadline read in the viewer's time zone, errors
with the form kept), the panel in the draw's thread (commitment, then seed, winners and the audit link), the
cancel form, the group's Draws tab, and the how-to."""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
from datetime import datetime, timedelta, timezone
from html import unescape
from pathlib import Path
from typing import AsyncIterator
from zoneinfo import ZoneInfo

import pytest

from federation.actions import StatusInput, create_status
from federation.jobs import run_due_jobs
from models.actors import Actor, LocalUser
from models.checkins import CheckinSeries
from models.events import Event
from models.draws import Draw
from models.posts import Post
from tests.activities.test_draws import independent_winners, join_locally
from tests.conftest import MootInstance
from tests.groups.helpers import make_group
from tests.web.browser import FormClient
from web.passwords import hash_password

PASSWORD = "correct horse battery"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
async def browsers() -> AsyncIterator[list[FormClient]]:
    made: list[FormClient] = []
    yield made
    for browser in made:
        await browser.close()


async def signed_in(moot: MootInstance, browsers: list[FormClient], actor: Actor) -> FormClient:
    moot.use()
    await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
    browser = FormClient(moot.base_url)
    browsers.append(browser)
    browser.session.cookie_jar.update_cookies({"tz": "Europe/Amsterdam"})
    page = await browser.submit("/login", "/login", {"username": actor.local_name, "password": PASSWORD,
                                                     "next": "/home"})
    assert page.url.endswith("/home"), page.text[-500:]
    return browser


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def run_the_documented_check(how_to_html: str, audit: dict, directory: Path) -> str:
    """Run the Python shown on /draws/how-to-verify, as a reader would, on a saved audit.json; its output."""
    snippet = unescape(re.search(r"<pre><code>(.*?)</code></pre>", how_to_html, re.S).group(1))
    (directory / "audit.json").write_text(json.dumps(audit), encoding="utf-8")
    printed = io.StringIO()
    here = os.getcwd()
    os.chdir(directory)
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(snippet, "how-to-verify", "exec"), {})
    finally:
        os.chdir(here)
    return printed.getvalue()


async def test_a_moderator_runs_a_draw_from_the_pages(moot: MootInstance, browsers: list[FormClient],
                                                      tmp_path: Path) -> None:
    await moot.user("siteadmin", is_admin=True)
    group, owner, _, _ = await make_group(moot, "growers")
    mia, mia_token = await join_locally(moot, group, "mia")
    owner_browser = await signed_in(moot, browsers, owner)
    mia_browser = await signed_in(moot, browsers, mia)

    tab = await owner_browser.get("/groups/growers/draws")
    assert tab.status == 200 and "New draw" in tab.text and 'aria-current="page">Draws' in tab.text
    assert "New draw" not in (await mia_browser.get("/groups/growers/draws")).text
    # With an event and a check-in in the group, the form offers them.
    moot.use()
    event_post = await create_status(moot.fed, owner, StatusInput(text="Bring a torch", group=group,
                                                                  title="Moonlight walk"))
    walk = await Event.create(post=event_post, starts_at=datetime.now(timezone.utc) + timedelta(days=5))
    series = await CheckinSeries.create(group=group, prompt="Daily steps", created_by=owner)
    tab = await owner_browser.get("/groups/growers/draws")
    assert f'<option value="{walk.id}"' in tab.text and "Moonlight walk" in tab.text
    assert f'<option value="{series.id}"' in tab.text and "Daily steps" in tab.text

    local = (datetime.now(AMSTERDAM) + timedelta(days=2)).replace(second=0, microsecond=0)
    fields = {"prize": "", "winners": "1", "deadline": local.strftime("%Y-%m-%dT%H:%M"), "eligibility": "engaged",
              "description": "Our harvest raffle"}
    page = await owner_browser.submit("/groups/growers/draws", "/groups/growers/draws", fields)
    assert page.status == 422 and "Say what the prize is." in page.text and "Our harvest raffle" in page.text
    fields["prize"] = "A <b>pumpkin</b>"
    denied = await mia_browser.submit("/groups/growers/draws", "/groups/growers/draws", fields)
    assert denied.status == 403
    page = await owner_browser.submit("/groups/growers/draws", "/groups/growers/draws", fields)
    assert page.status == 200 and "/threads/" in page.url, page.text[-800:]
    moot.use()
    draw = await Draw.get(prize="A <b>pumpkin</b>")
    # The deadline was read in the moderator's zone (Amsterdam), stored in UTC.
    assert draw.deadline == local.astimezone(timezone.utc)
    said = text_of(page.text)
    assert draw.commitment in said and "Commitment (SHA-256 of the seed)" in said and "Cancel the draw" in said
    assert "A <b>pumpkin</b>" in said and "<b>pumpkin" not in page.text  # escaped, never markup
    assert draw.seed_hex not in page.text
    assert "Cancel the draw" not in (await mia_browser.get(f"/threads/{draw.post_id}")).text

    # A member likes it; the deadline passes; the thread shows the seed, the winner and the audit link.
    status, _ = await moot.api("POST", f"/api/v1/statuses/{draw.post_id}/favourite", mia_token)
    assert status == 200
    moot.use()
    await run_due_jobs(moot.fed, now=draw.deadline + timedelta(seconds=30))
    await moot.drain()
    thread = await mia_browser.get(f"/threads/{draw.post_id}")
    said = text_of(thread.text)
    assert draw.seed_hex in said and "Drawn" in said and f'href="/draws/{draw.id}/audit.json"' in thread.text
    assert independent_winners(draw.seed_hex, [mia.uri], 1) == [mia.uri]
    assert 'id="draw-winners-heading">Winner<' in thread.text and "@mia" in said
    assert 'href="/draws/how-to-verify"' in thread.text
    finished = await mia_browser.get("/groups/growers/draws")
    assert "Finished draws" in finished.text and "A &lt;b&gt;pumpkin&lt;/b&gt;" in finished.text
    assert "@mia" in text_of(finished.text.split("Finished draws", 1)[1])
    how_to = await mia_browser.get("/draws/how-to-verify")
    assert how_to.status == 200 and "hashlib.sha256(seed + b" in unescape(how_to.text)
    # The how-to's own code, run on the audit list a member downloads, confirms the draw.
    audit = await mia_browser.get(f"/draws/{draw.id}/audit.json")
    printed = run_the_documented_check(how_to.text, json.loads(audit.text), tmp_path)
    assert "commitment ok: True" in printed and f"winners: ['{mia.uri}']" in printed
    assert f"list digest: {json.loads(audit.text)['eligible_sha256']}" in printed

    # A draw among the event's attendees, from the form.
    fields.update(prize="A head torch", eligibility="attendees", event_id=str(walk.id))
    page = await owner_browser.submit("/groups/growers/draws", "/groups/growers/draws", fields)
    assert page.status == 200 and "/threads/" in page.url
    moot.use()
    by_event = await Draw.get(prize="A head torch")
    assert by_event.eligibility == "attendees" and by_event.eligibility_params == {"event_id": walk.id}
    said = text_of(page.text)
    assert "Members registered for the event Moonlight walk" in said


async def test_cancelling_from_the_thread(moot: MootInstance, browsers: list[FormClient]) -> None:
    await moot.user("siteadmin", is_admin=True)
    group, owner, token, _ = await make_group(moot, "bakers")
    owner_browser = await signed_in(moot, browsers, owner)
    deadline = datetime.now(timezone.utc) + timedelta(hours=3)
    status, made = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/draws", token, json={
        "prize": "A cake", "deadline": deadline.isoformat()})
    assert status == 201
    thread = f"/threads/{made['post_id']}"
    action = f"/draws/{made['id']}/cancel"
    page = await owner_browser.submit(thread, action, {"reason": ""})
    assert "Say why the draw is cancelled." in page.text and "draw_error=reason" in page.url
    page = await owner_browser.submit(thread, action, {"reason": "The oven broke"})
    said = text_of(page.text)
    assert "This draw was cancelled: nobody wins. Reason: The oven broke" in said
    assert "Cancel the draw" not in said and "The moderation log records it." in said
    moot.use()
    draw = await Draw.get(id=int(made["id"]))
    assert draw.state == "cancelled" and draw.seed_hex in said
    reply = await Post.get(id=draw.result_post_id)
    assert "The oven broke" in reply.content


async def test_a_page_admin_runs_a_draw_from_the_page(moot: MootInstance, browsers: list[FormClient]) -> None:
    await moot.user("siteadmin", is_admin=True)
    ada, _ = await moot.user("ada")
    page, _ = await moot.page("bakery", ada, display_name="The Bakery")
    ada_browser = await signed_in(moot, browsers, ada)
    profile = await ada_browser.get("/@bakery")
    assert 'href="/@bakery/draws"' in profile.text
    tab = await ada_browser.get("/@bakery/draws")
    assert tab.status == 200 and "New draw" in tab.text and "Draws of The Bakery" in tab.text
    assert "Followers who reply to or like the draw's post" in text_of(tab.text) and 'value="checkins"' not in tab.text
    local = (datetime.now(AMSTERDAM) + timedelta(hours=5)).replace(second=0, microsecond=0)
    page_html = await ada_browser.submit("/@bakery/draws", "/@bakery/draws", {
        "prize": "A sourdough loaf", "winners": "1", "deadline": local.strftime("%Y-%m-%dT%H:%M"),
        "eligibility": "engaged"})
    assert page_html.status == 200 and "/threads/" in page_html.url
    moot.use()
    draw = await Draw.get(prize="A sourdough loaf")
    post = await Post.get(id=draw.post_id)
    assert draw.host_id == page.id and draw.created_by_id == ada.id and post.author_id == page.id
    assert "Followers who reply to or like the draw's post before the deadline" in text_of(page_html.text)
    listing = await ada_browser.get("/@bakery/draws")
    assert "Open draws" in listing.text and "A sourdough loaf" in listing.text.split("Open draws", 1)[1]
