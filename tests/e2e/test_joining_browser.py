"""Getting in, in a real browser: Mia asks to join a private group through its join form (questions, rules),
the moderator reads her answers in the queue, and a newcomer without JavaScript signs up through an invitation
link and lands on the welcome page. Screenshots: join-questions (the join form) and welcome."""
from __future__ import annotations

import re
from typing import Awaitable, Callable

from federation.community import joining
from federation.groups.admin import GroupSettings, create_group
from models.actors import Actor
from models.follows import ACCEPTED, PENDING, Follow
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from tests.e2e.people import give_passwords, sign_in


async def test_join_with_questions_and_sign_up_with_an_invitation(
    moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]]
) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    mia, _ = await moot.user("mia", display_name="Mia")
    await give_passwords(ada, mia)
    group = await create_group(moot.fed, "growers", ada, GroupSettings(
        display_name="Garlic Growers", description="Bulbs, scapes and braids.", rules="Be kind.\nNo selling.",
        private=True))
    await create_group(moot.fed, "commons", ada, GroupSettings(display_name="Village Commons",
                                                              description="Everything about the village."))
    await joining.save_settings(ada, group, questions=["Where do you grow garlic?", "Which varieties?"],
                                require_rules=True, welcome="Welcome! Say hello in the weekly thread.")

    # Mia's Request to join button leads to the join form.
    applicant = await visitors(moot)
    await sign_in(applicant, "mia", "/groups/growers")
    await applicant.submit(applicant.button("Request to join"))
    assert applicant.path() == "/groups/growers/join"
    await applicant.field("Where do you grow garlic?").fill("In raised beds")
    await applicant.field("Which varieties?").fill("Music and Rocambole")
    await applicant.look("join-questions")
    response = await applicant.submit(applicant.button("Send my request"))
    assert response.status == 422  # the rules box is not ticked
    await applicant.page.get_by_role("alert").filter(has_text="agree").wait_for()
    assert await applicant.field("Where do you grow garlic?").input_value() == "In raised beds"
    await applicant.page.get_by_label("I have read the rules and agree to them").check()
    response = await applicant.submit(applicant.button("Send my request"))
    assert response.status == 303 and applicant.path().startswith("/groups/growers")
    assert await Follow.filter(follower=mia, target=group, state=PENDING).exists()

    # Ada reads the answers beside the request, and approves it.
    moderator = await visitors(moot)
    await sign_in(moderator, "ada", "/moderation/groups/growers")
    row = moderator.page.locator("main li.list-row", has_text="mia")
    await row.get_by_text("Music and Rocambole").wait_for()
    await moderator.look("join-queue", screenshots=False)
    follow = await Follow.get(follower=mia, target=group)
    await joining.actions.approve_follow(moot.fed, follow)

    # Mia sees the welcome once on the group page.
    await applicant.open("/groups/growers")
    await applicant.page.get_by_text("Say hello in the weekly thread").wait_for()

    # Ada makes an invitation link on the group's joining page.
    await moderator.open("/groups/growers/joining")
    response = await moderator.submit(moderator.button("Create a link"))
    assert response.status == 303
    link = await moderator.page.get_by_label("Invitation link", exact=True).first.input_value()
    await moderator.look("join-settings", screenshots=False)

    # A newcomer without JavaScript signs up through it and lands on the welcome page.
    newcomer = await visitors(moot, javascript=False)
    await newcomer.page.goto(link)
    await newcomer.field("User name").fill("noor")
    await newcomer.field("Password").fill("a long enough password")
    await newcomer.field("Password again").fill("a long enough password")
    await newcomer.page.get_by_label("I have read the rules and agree to them").check()
    response = await newcomer.submit(newcomer.button("Sign up and join"))
    assert response.status == 303 and newcomer.path() == "/welcome?group=growers"
    main = newcomer.page.locator("main")
    await main.get_by_role("heading", name=re.compile("You joined Garlic Growers")).wait_for()
    await main.get_by_role("link", name="Village Commons").wait_for()
    await newcomer.look("welcome")
    noor = await Actor.get(local_name="noor")
    assert await Follow.filter(follower=noor, target=group, state=ACCEPTED).exists()
    for visitor in (applicant, moderator, newcomer):
        visitor.check()
