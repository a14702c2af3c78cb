"""A NUL character (which PostgreSQL refuses in text) from people is dropped, never a 500: in the API's JSON,
form and query parameters, and in a title or name that reaches a model another way."""
from __future__ import annotations

from models.actors import Actor
from models.posts import Post
from tests.conftest import MootInstance


async def test_statuses_with_nul_are_stored_without_it(moot: MootInstance) -> None:
    _, token = await moot.user("ada")
    status, body = await moot.api("POST", "/api/v1/statuses", token, json={"status": "Hello\u0000 world",
                                                                              "spoiler_text": "c\u0000w"})
    assert status == 200, body
    assert body["text"] == "Hello world" and body["spoiler_text"] == "cw"
    status, body = await moot.api("POST", "/api/v1/statuses", token, data={"status": "Form\x00 field"})
    assert status == 200, body
    assert body["text"] == "Form field"
    moot.use()
    assert not [p for p in await Post.all() if "\x00" in (p.content + (p.source or "") + (p.summary or ""))]


async def test_model_text_is_stored_without_nul_whatever_the_path(moot: MootInstance) -> None:
    ada, _ = await moot.user("ada")
    ada.display_name = "A\x00da"
    ada.profile_fields = [{"name": "x\x00", "value": "y"}]
    await ada.save()
    stored = await Actor.get(id=ada.id)
    assert stored.display_name == "Ada" and stored.profile_fields == [{"name": "x", "value": "y"}]
