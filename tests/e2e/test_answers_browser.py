"""Q&A in a real browser: Mia asks a question in her group, Bob (without JavaScript) answers it, Mia accepts
his answer; the thread then says "Answered" and shows his answer first, above the replies, and marked in place.
Screenshots: question-answered (the thread), and the group's Unanswered filter is checked with axe too."""
from __future__ import annotations

import re
from typing import Awaitable, Callable

from federation import actions
from federation.groups.admin import GroupSettings, create_group
from models.posts import Post
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor, reveal
from tests.e2e.people import give_passwords, sign_in
from tests.e2e.test_community_flow import open_composer

QUESTION = "When do I lift my garlic?"
ANSWER = "When the lower third of the leaves has turned brown."



async def test_ask_answer_and_accept_in_the_browser(moot: MootInstance,
                                                    visitors: Callable[..., Awaitable[Visitor]]) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    mia, _ = await moot.user("mia", display_name="Mia")
    bob, _ = await moot.user("bob", display_name="Bob")
    await give_passwords(mia, bob)
    group = await create_group(moot.fed, "growers", ada, GroupSettings(
        display_name="Garlic Growers", description="Bulbs, scapes and braids.", rules="Be kind."))
    for person in (mia, bob):
        await actions.follow(moot.fed, person, group)

    # Mia asks, with the composer's checkbox.
    asker = await visitors(moot)
    await sign_in(asker, "mia", "/groups/growers")
    await open_composer(asker, "Title")
    await asker.field("Title").fill(QUESTION)
    await asker.field("Text").fill("Planted in October, the leaves are yellowing now.")
    await asker.page.get_by_label("Ask this as a question").check()
    response = await asker.submit(asker.button("Post"))
    assert response.status == 303 and asker.path().startswith("/threads/")
    question = await Post.get(name=QUESTION)
    assert question.is_question
    thread_path = f"/threads/{question.id}"
    main = asker.page.locator("main")
    await main.get_by_text("Question", exact=True).first.wait_for()

    # Bob answers, in a browser without JavaScript.
    answerer = await visitors(moot, javascript=False)
    await sign_in(answerer, "bob", thread_path)
    reply_box = await reveal(answerer.page.get_by_label(re.compile("^Your reply to")))
    await reply_box.first.fill(ANSWER)
    response = await answerer.submit(answerer.button("Reply"))
    assert response.status == 303
    answer = await Post.get(in_reply_to_id=question.id)
    assert await answerer.page.locator("main").get_by_role("button", name=re.compile("Accept as answer")).count() == 0

    # The group lists it among the unanswered questions.
    await asker.open("/groups/growers?filter=unanswered")
    await main.get_by_role("link", name=QUESTION).wait_for()
    await asker.look("group-unanswered", screenshots=False)

    # Mia accepts Bob's answer from the thread.
    await asker.open(thread_path)
    reply_card = asker.page.locator(f"#post-{answer.id}")
    response = await asker.submit(reply_card.get_by_role("button", name=re.compile("Accept as answer")))
    assert response.status == 303
    assert (await Post.get(id=question.id)).accepted_answer_id == answer.id
    await main.get_by_text("Marked as the accepted answer.").wait_for()

    # Answered, the answer first (above the replies), and marked in place.
    await main.locator(".question-panel").get_by_text("Answered").wait_for()
    accepted = main.locator("#accepted-answer")
    await accepted.get_by_text(ANSWER).wait_for()
    heading_order = await main.get_by_role("heading", level=2).all_inner_texts()
    assert heading_order.index("Accepted answer") < heading_order.index("Replies"), heading_order
    await reply_card.get_by_text("Accepted answer").wait_for()
    await asker.open(thread_path)  # from the top (the redirect scrolled to the answer)
    await accepted.get_by_text(ANSWER).wait_for()
    await asker.look("question-answered")

    # The group's filter no longer lists it; the list shows it answered.
    await asker.open("/groups/growers?filter=unanswered")
    await main.get_by_text("Every question here has an accepted answer.").wait_for()
    await asker.open("/groups/growers")
    row = main.get_by_role("listitem").filter(has_text=QUESTION)
    await row.get_by_text("Answered").wait_for()

    asker.check()
    answerer.check()
