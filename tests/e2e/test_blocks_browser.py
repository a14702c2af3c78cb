"""Blocking in a real browser: Ann opens Ben's profile, opens the "Block or mute" menu, is asked first, blocks
him, finds him under Settings > Blocked and muted, and unblocks him there; then mutes him for a day from the
menu under his reply, and the reply is folded away in the thread. Pages are checked with axe-core, light and
dark, and photographed as `block-confirm`, `mute-form`, `settings-blocks` and `thread-folded`."""
from __future__ import annotations

from typing import Awaitable, Callable

from federation.actions import StatusInput, create_status
from models.personal_blocks import PersonalBlock, PersonalMute
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from tests.e2e.people import give_passwords, sign_in


async def test_block_from_a_profile_see_it_in_settings_and_unblock(
    moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]],
) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    ann, _ = await moot.user("ann", display_name="Ann")
    ben, _ = await moot.user("ben", display_name="Ben")
    await give_passwords(ada, ann, ben)
    question = await create_status(moot.fed, ann, StatusInput(text="Who knows a good sourdough starter?"))
    await create_status(moot.fed, ben, StatusInput(text="Mine is ten years old, I can share some!",
                                                   in_reply_to=question))

    visitor = await visitors(moot)
    await sign_in(visitor, "ann")
    await visitor.open("/@ben")
    main = visitor.page.locator("main")
    await main.locator("details.people-menu summary").click()
    await main.get_by_role("link", name="Block Ben…").click()
    assert visitor.path().startswith(f"/actors/{ben.id}/block")
    await main.get_by_role("heading", name="Block Ben?").wait_for()
    await visitor.look("block-confirm")
    response = await visitor.submit(visitor.button("Block"))
    assert response.status == 303
    assert visitor.path() == "/@ben?notice=blocked"
    await main.get_by_text("Blocked. You will no longer see their posts").wait_for()
    moot.use()
    assert await PersonalBlock.filter(actor_id=ann.id, target_id=ben.id).exists()

    await visitor.open("/settings")
    await main.get_by_role("link", name="Blocked and muted").click()
    assert visitor.path() == "/settings/blocks"
    await main.get_by_text("Ben", exact=True).wait_for()
    await visitor.look("settings-blocks")
    response = await visitor.submit(main.get_by_role("button", name="Unblock Ben"))
    assert response.status == 303
    await main.get_by_text("Unblocked.").wait_for()
    await main.get_by_text("You have not blocked anyone.").wait_for()
    moot.use()
    assert not await PersonalBlock.filter(actor_id=ann.id).exists()

    # Mute Ben for a day from the menu under his reply, notifications too: his reply is folded in the thread.
    await visitor.open(f"/threads/{question.id}")
    reply_menu = main.locator("details.people-menu").last
    await reply_menu.locator("summary").click()
    await reply_menu.get_by_role("link", name="Mute Ben…").click()
    await visitor.field("For how long").select_option(str(86400))
    await visitor.look("mute-form")
    response = await visitor.submit(visitor.button("Mute"))
    assert response.status == 303
    assert visitor.path().startswith(f"/threads/{question.id}")
    await main.get_by_text("Muted. Their posts stay out of your timelines.").wait_for()
    folded = main.locator("details.folded-post")
    await folded.get_by_text("Post by someone you blocked or muted").wait_for()
    assert not await folded.get_by_text("Mine is ten years old").is_visible()
    await visitor.look("thread-folded")
    await folded.locator(":scope > summary").click()
    await folded.get_by_text("Mine is ten years old, I can share some!").wait_for()
    moot.use()
    mute = await PersonalMute.get(actor_id=ann.id, target_id=ben.id)
    assert mute.notifications is True and mute.expires_at is not None
    visitor.check()
