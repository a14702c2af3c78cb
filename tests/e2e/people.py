"""People who sign in through the login form in browser tests: one password, set on accounts made by the test."""
from __future__ import annotations

from models.actors import Actor, LocalUser
from tests.e2e.conftest import Visitor
from web.passwords import hash_password

PASSWORD = "correct horse battery"


async def give_passwords(*people: Actor) -> None:
    for person in people:
        await LocalUser.filter(actor=person).update(password_hash=hash_password(PASSWORD))


async def sign_in(visitor: Visitor, name: str, next_path: str = "") -> None:
    """Sign in with the form; with next_path, the login sends the visitor there."""
    await visitor.open(f"/login?next={next_path}" if next_path else "/login")
    await visitor.field("User name").fill(name)
    await visitor.field("Password").fill(PASSWORD)
    response = await visitor.submit(visitor.button("Sign in"))
    assert response.status == 303
    if next_path:
        assert visitor.path() == next_path
