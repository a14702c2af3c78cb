"""A deleted post keeps its place in its thread ("This post was deleted."), for whom it was meant only."""
from __future__ import annotations

from models.actors import LocalUser
from models.follows import ACCEPTED, Follow
from tests.accounts.helpers import person, signed_in
from tests.conftest import MootInstance
from tests.groups.helpers import make_group


async def _thread(moot: MootInstance, private: bool) -> tuple[int, int, int, str, str]:
    """A group thread: the owner's root, bob's reply, the owner's answer to bob. Bob deletes his reply."""
    group, _, owner_token, _ = await make_group(moot, "vault" if private else "garden", private=private)
    _, bob_token = await moot.user("bob")
    _, outsider_token = await moot.user("dora")
    status, _ = await moot.api("POST", f"/api/v1/accounts/{group.id}/follow", bob_token)
    assert status == 200
    if private:  # the join request, approved
        moot.use()
        await Follow.filter(target=group).update(state=ACCEPTED)
    status, root = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", owner_token,
                                  json={"title": "Seeds", "body": "Swap seeds here"})
    assert status in (200, 201), root
    status, middle = await moot.api("POST", "/api/v1/statuses", bob_token,
                                    json={"status": "Bob's secret beans", "in_reply_to_id": str(root["id"])})
    assert status == 200, middle
    status, answer = await moot.api("POST", "/api/v1/statuses", owner_token,
                                    json={"status": "Owner answers Bob", "in_reply_to_id": str(middle["id"])})
    assert status == 200, answer
    status, _ = await moot.api("DELETE", f"/api/v1/statuses/{middle['id']}", bob_token)
    assert status == 200
    return int(root["id"]), int(middle["id"]), int(answer["id"]), owner_token, outsider_token


async def _html(moot: MootInstance, path: str) -> tuple[int, str]:
    """The page as an anonymous visitor sees it."""
    async with moot.session.get(moot.base_url + path) as response:
        return response.status, await response.text()


async def test_a_deleted_reply_leaves_a_placeholder_with_the_answers_under_it(moot: MootInstance) -> None:
    root, middle, _, _, _ = await _thread(moot, private=False)
    status, text = await _html(moot, f"/threads/{root}")
    assert status == 200 and "This post was deleted." in text and "Owner answers Bob" in text
    assert "secret beans" not in text
    status, text = await _html(moot, f"/threads/{middle}")  # its own page too, as it has an answer
    assert status == 200 and "This post was deleted." in text and "secret beans" not in text
    status, body = await moot.api("GET", f"/api/v1/statuses/{root}/context")
    assert status == 200 and "secret beans" not in str(body)


async def test_a_deleted_post_of_a_private_group_stays_hidden_from_outsiders(moot: MootInstance) -> None:
    await person(moot, "ada", admin=True)
    root, middle, answer, _, _ = await _thread(moot, private=True)
    for post_id in (root, middle, answer):
        status, text = await _html(moot, f"/threads/{post_id}")
        assert status == 404 and "deleted" not in text, (post_id, status)
    # The positive control: a member sees the placeholder and the answer under it.
    await LocalUser.filter(actor__local_name="vault_owner").update(
        password_hash=(await LocalUser.get(actor__local_name="ada")).password_hash)
    member = await signed_in(moot, "vault_owner")
    try:
        page = await member.get(f"/threads/{root}")
        assert page.status == 200 and "This post was deleted." in page.text and "Owner answers Bob" in page.text
        assert "secret beans" not in page.text
    finally:
        await member.close()
