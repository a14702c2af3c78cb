"""Creating a group and a page from the browser."""
from __future__ import annotations

from models.actors import Actor, LocalUser, PageRole
from models.groups import GroupProfile, GroupRole
from tests.conftest import MootInstance
from tests.web.browser import FormClient
from web.passwords import hash_password


async def signed_in(moot: MootInstance) -> FormClient:
    actor, _ = await moot.user("ada", is_admin=True)
    await LocalUser.filter(actor=actor).update(password_hash=hash_password("correct horse"))
    browser = FormClient(moot.base_url)
    await browser.submit("/login", "/login", {"username": "ada", "password": "correct horse"})
    return browser


async def test_create_a_private_group(moot: MootInstance) -> None:
    browser = await signed_in(moot)
    try:
        page = await browser.get("/groups/new")
        assert page.status == 200 and 'name="rules"' in page.text
        page = await browser.submit("/groups/new", "/groups/new", {
            "name": "growers", "display_name": "Tomato Growers", "description": "Seeds and sauce",
            "rules": "Be kind\nNo selling", "private": "1"})
        assert page.url.endswith("/groups/growers") and "Tomato Growers" in page.text
        group = await Actor.get(group_name="growers")
        assert group.manually_approves and (await GroupProfile.get(group=group)).rules == "Be kind\nNo selling"
        assert await GroupRole.filter(group=group, actor__local_name="ada", role="owner").exists()
        page = await browser.submit("/groups/new", "/groups/new", {"name": "growers"})
        assert page.status == 422 and "already exists" in page.text
        page = await browser.submit("/groups/new", "/groups/new", {"name": "new"})
        assert page.status == 422 and "reserved" in page.text
    finally:
        await browser.close()


async def test_create_a_page_with_contact_details(moot: MootInstance) -> None:
    browser = await signed_in(moot)
    try:
        page = await browser.submit("/pages/new", "/pages/new", {
            "name": "bakery", "display_name": "The Bakery", "category": "Bakery",
            "website": "https://bakery.example", "email": "hi@bakery.example"})
        assert page.url.endswith("/@bakery")
        created = await Actor.get(local_name="bakery")
        assert created.type == "Service" and created.category == "Bakery"
        assert created.profile_fields == [{"name": "Website", "value": "https://bakery.example"},
                                          {"name": "Email", "value": "hi@bakery.example"}]
        assert await PageRole.filter(page=created, user__local_name="ada", role="owner").exists()
    finally:
        await browser.close()


async def test_creating_needs_a_signed_in_user(moot: MootInstance) -> None:
    await moot.user("ada", is_admin=True)
    browser = FormClient(moot.base_url)
    try:
        page = await browser.get("/groups/new")
        assert page.url.endswith("/login?next=/groups/new")
    finally:
        await browser.close()
