"""A poll in a real browser: a member writes a thread with a poll from the group's composer ("Add a poll"), another
member votes with the radio buttons on the thread page and sees the results as bars with percentages and counts.
Every page is checked with axe-core, light and dark; the thread with the results is photographed as `poll`."""
from __future__ import annotations

import re
from typing import Awaitable, Callable

from federation import actions
from federation.groups.admin import GroupSettings, create_group
from models.polls import Poll, PollVote
from models.posts import Post
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor, reveal
from tests.e2e.people import give_passwords, sign_in




async def test_a_member_makes_a_poll_and_another_votes(
    moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]],
) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    bob, _ = await moot.user("bob", display_name="Bob")
    await give_passwords(ada, bob)
    group = await create_group(moot.fed, "singers", ada, GroupSettings(
        display_name="Town Choir", description="We sing on Thursdays.", rules="Be kind."))
    await actions.follow(moot.fed, bob, group)

    ada_browser = await visitors(moot)
    await sign_in(ada_browser, "ada")
    await ada_browser.open("/groups/singers")
    await (await reveal(ada_browser.field("Title"))).first.click()
    await ada_browser.field("Title").fill("Which song for the spring concert?")
    await ada_browser.page.get_by_text("Add a poll", exact=True).click()
    await ada_browser.field("Option 1").fill("Scarborough Fair")
    await ada_browser.field("Option 2").fill("The Water Is Wide")
    await ada_browser.field("Option 3").fill("Shenandoah")
    await ada_browser.page.get_by_label("Open for").select_option(label="3 days")
    await ada_browser.look("poll-composer", screenshots=False)
    response = await ada_browser.submit(ada_browser.button("Post"))
    assert response.status == 303 and ada_browser.path().startswith("/threads/")
    moot.use()
    post = await Post.get(name="Which song for the spring concert?")
    poll = await Poll.get(post_id=post.id)
    assert post.type == "Question" and not poll.multiple and len(poll.options) == 3
    # The author sees the (empty) results, not a form.
    panel = ada_browser.page.locator(f"#poll-{post.id}")
    await panel.get_by_text("It is your poll: you see the results as they come in.").wait_for()

    bob_browser = await visitors(moot)
    await sign_in(bob_browser, "bob")
    await bob_browser.open(f"/threads/{post.id}")
    panel = bob_browser.page.locator(f"#poll-{post.id}")
    await bob_browser.look("poll-open", screenshots=False)
    await panel.get_by_label("The Water Is Wide").check()
    response = await bob_browser.submit(panel.get_by_role("button", name="Vote", exact=True))
    assert response.status == 303
    await bob_browser.page.get_by_text("Your vote is counted.").wait_for()
    moot.use()
    assert await PollVote.filter(poll_id=poll.id, voter_id=bob.id).values_list("choice", flat=True) == [1]
    results = panel.get_by_role("listitem")
    assert await results.count() == 3
    chosen = results.filter(has_text="The Water Is Wide")
    assert re.search(r"100%\s*\(1 vote\)", await chosen.inner_text()) and "Your choice" in await chosen.inner_text()
    assert re.search(r"0%\s*\(0 votes\)", await results.filter(has_text="Shenandoah").inner_text())
    assert re.search(r"1 vote\s*·\s*\d+ (days?|hours?) left", await panel.locator(".poll-meta").inner_text())
    await bob_browser.page.evaluate("window.scrollTo(0, 0)")  # the vote brought the poll into view; show it all
    await bob_browser.look("poll")
    bob_browser.check()
    ada_browser.check()
