"""A small world for promotions: an admin, a page with its owner and a co-admin, a reader, and posts."""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from federation.actions import StatusInput, create_status
from models.actors import Actor, LocalUser
from models.posts import Post
from tests.conftest import MootInstance
from tests.web.browser import FormClient
from web.passwords import hash_password

PASSWORD = "correct horse battery"
SLOT = 'class="promoted-slot'


@dataclass
class World:
    moot: MootInstance
    admin: Actor
    admin_token: str
    owner: Actor
    owner_token: str
    coadmin: Actor
    page: Actor
    reader: Actor
    reader_token: str
    post: Post  # the page's public post
    other: Post  # another public post of the page


async def build(moot: MootInstance) -> World:
    from federation.local_actors import set_page_admin

    admin, admin_token = await moot.user("hal", is_admin=True)
    owner, owner_token = await moot.user("olga")
    coadmin, _ = await moot.user("cody")
    reader, reader_token = await moot.user("rita")
    page, _ = await moot.page("bakery", owner, display_name="Corner Bakery")
    await set_page_admin(page, owner, coadmin, True)
    post = await create_status(moot.fed, page, StatusInput(text="Fresh sourdough every morning"))
    other = await create_status(moot.fed, page, StatusInput(text="Closed on Sunday"))
    return World(moot, admin, admin_token, owner, owner_token, coadmin, page, reader, reader_token, post, other)


async def signed_in(moot: MootInstance, actor: Actor) -> FormClient:
    moot.use()
    await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
    browser = FormClient(moot.base_url)
    page = await browser.submit("/login", "/login", {"username": actor.local_name, "password": PASSWORD,
                                                     "next": "/home"})
    assert page.url.endswith("/home"), page.text[-500:]
    return browser


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def slot_ids(html: str) -> list[int]:
    """The promotions shown in a page's From pages slot."""
    return [int(value) for value in re.findall(r'class="promoted-slot[^"]*"[^>]*data-promotion="(\d+)"', html)]
