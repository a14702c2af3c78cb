"""A group's essentials on a real server: sections and threads made through the pages (as a browser without
JavaScript) and the API, their order, "Start here" first for newcomers, the filter, the moderation log, the
ActivityPub collection linked from the Group actor, and a private group's essentials hidden from outsiders."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html import unescape

from federation.actions import StatusInput, create_status, follow
from federation.groups.membership import decide_join
from models.actors import Actor, LocalUser
from models.follows import Follow
from models.moderation import ModLogEntry
from models.posts import Post
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import make_group, remote_member
from tests.web.browser import FormClient
from web.passwords import hash_password

PASSWORD = "correct horse battery"
HEADINGS = re.compile(r'<h2 id="section-\d+-heading">(.*?)</h2>')
TITLES = re.compile(r'<a class="row-title" href="/threads/(\d+)">(.*?)</a>')


async def sign_in(moot: MootInstance, actor: Actor) -> FormClient:
    client = FormClient(moot.base_url)
    moot.use()
    await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
    page = await client.submit("/login", "/login", {"username": actor.local_name, "password": PASSWORD})
    assert "Sign out" in page.text
    return client


def headings(html: str) -> list[str]:
    return [unescape(found) for found in HEADINGS.findall(html)]


def titles(html: str) -> list[str]:
    return [unescape(title) for _, title in TITLES.findall(html)]


async def thread(moot: MootInstance, author: Actor, group: Actor, title: str, text: str) -> Post:
    moot.use()
    return await create_status(moot.fed, author, StatusInput(text=text, group=group, title=title))


async def test_moderators_build_essentials_in_the_pages_and_everyone_reads_them(
    moot: MootInstance, remote: FakeRemote,
) -> None:
    await moot.user("hal", is_admin=True)  # a server with an admin (else every page leads to /setup)
    group, owner, token, _ = await make_group(moot, "growers", display_name="Allotment Growers")
    fed = moot.fed
    rules = await thread(moot, owner, group, "House rules", "Be kind and share seeds.")
    compost = await thread(moot, owner, group, "Compost guide", "Layer greens and browns.")
    slugs = await thread(moot, owner, group, "Slug FAQ", "Beer traps work for slugs.")
    news = await thread(moot, owner, group, "Open day news", "Saturday at ten.")
    mod = await sign_in(moot, owner)
    base = "/groups/growers/essentials"

    # No essentials yet: the tab is in the group's header, and says so.
    page = await mod.get("/groups/growers")
    assert f'href="{base}"' in page.text and ">Essentials<" in page.text
    page = await mod.get(base)
    assert page.status == 200 and "This group has no essentials yet." in page.text

    # Sections, made in the page: "Start here" is made last, so it is last in the moderators' order.
    for name, start in (("Guides", False), ("FAQ", False), ("Start here", True)):
        fields = {"name": name, **({"start_here": "1"} if start else {})}
        page = await mod.submit(base, base + "/sections", fields)
        assert page.status == 200 and "The section is added." in page.text
    # A second section of the same name is refused, with the form kept.
    page = await mod.submit(base, base + "/sections", {"name": "  guides "})
    assert page.status == 409 and "already has a section with this name" in page.text
    assert 'value="  guides"' in page.text or 'value="guides"' in page.text
    assert headings(page.text) == ["Guides", "FAQ", "Start here"]  # the moderator is no newcomer

    # Threads are added from the thread page's moderator menu: the form lets them choose the section.
    thread_page = await mod.get(f"/threads/{rules.id}")
    assert f'href="/threads/{rules.id}/essentials"' in thread_page.text
    form = await mod.get(f"/threads/{rules.id}/essentials")
    sections = dict((name, section_id) for section_id, name in
                    re.findall(r'name="section_id" type="radio" value="(\d+)"[^>]*><label for="section-\d+">([^<(]+)',
                               form.text))
    assert set(sections) == {"Guides", "FAQ", "Start here"}
    for post, section in ((rules, "Start here"), (compost, "Guides"), (news, "Guides"), (slugs, "FAQ")):
        page = await mod.submit(f"/threads/{post.id}/essentials", f"/threads/{post.id}/essentials",
                                {"section_id": sections[section.strip()]})
        assert page.status == 200 and "The thread is in the essentials now." in page.text
    # A new section from the same form.
    extra = await thread(moot, owner, group, "Tool library", "Borrow a spade.")
    page = await mod.submit(f"/threads/{extra.id}/essentials", f"/threads/{extra.id}/essentials",
                            {"section_id": "new", "new_section": "Sharing"})
    assert "Sharing" in headings(page.text)
    assert titles(page.text) == ["Compost guide", "Open day news", "Slug FAQ", "House rules", "Tool library"]

    # Reordering: the news goes above the compost guide, "Start here" moves up to first, then Sharing is deleted.
    news_item = re.search(r'id="item-(\d+)">\s*<div class="row-main">\s*<a class="row-title" href="/threads/'
                          + str(news.id), page.text).group(1)
    page = await mod.submit(base, f"{base}/threads/{news_item}/move/up", {})
    assert titles(page.text)[:2] == ["Open day news", "Compost guide"]
    start_id = sections["Start here"]
    for _ in range(2):
        page = await mod.submit(base, f"{base}/sections/{start_id}/move/up", {})
    assert headings(page.text) == ["Start here", "Guides", "FAQ", "Sharing"]
    page = await mod.submit(base, f"{base}/sections/{start_id}/move/down", {})
    assert headings(page.text) == ["Guides", "Start here", "FAQ", "Sharing"]
    sharing = re.search(r'id="section-(\d+)"[^>]*aria-labelledby="section-\d+-heading">\s*<div class="section-heading">'
                        r'\s*<h2 id="section-\d+-heading">Sharing', page.text).group(1)
    page = await mod.submit(base, f"{base}/sections/{sharing}/delete", {})
    assert "Sharing" not in headings(page.text) and await Post.filter(id=extra.id).exists()
    # Renaming.
    faq = sections["FAQ"]
    page = await mod.submit(base, f"{base}/sections/{faq}/edit", {"name": "Questions"})
    assert headings(page.text) == ["Guides", "Start here", "Questions"]

    # A visitor (a newcomer) sees "Start here" first, then the moderators' order; a long-standing member
    # sees the moderators' order; a new member still sees "Start here" first.
    anonymous = FormClient(moot.base_url)
    page = await anonymous.get(base)
    assert headings(page.text) == ["Start here", "Guides", "Questions"]
    assert "New here? Read these first." in page.text
    assert titles(page.text) == ["House rules", "Open day news", "Compost guide", "Slug FAQ"]
    old_timer, _ = await moot.user("olga")
    newbie, _ = await moot.user("nina")
    for person in (old_timer, newbie):
        await follow(fed, person, group)
    await moot.drain()
    await Follow.filter(follower=old_timer, target=group).update(
        accepted_at=datetime.now(timezone.utc) - timedelta(days=60))
    olga = await sign_in(moot, old_timer)
    assert headings((await olga.get(base)).text) == ["Guides", "Start here", "Questions"]
    nina = await sign_in(moot, newbie)
    assert headings((await nina.get(base)).text)[0] == "Start here"
    # Members do not get the moderators' forms, and their POSTs are refused.
    assert "/sections/" not in (await olga.get(base)).text
    refused = await olga.submit(base, base + "/sections", {"name": "Mine"})
    assert refused.status == 403

    # The filter: case-insensitive over titles and text, across sections; nothing else shows.
    page = await anonymous.get(base + "?q=SLUGS")
    assert titles(page.text) == ["Slug FAQ"] and headings(page.text) == ["Questions"]
    assert "1 thread matches “SLUGS”." in page.text
    page = await anonymous.get(base + "?q=seeds")
    assert titles(page.text) == ["House rules"]
    page = await anonymous.get(base + "?q=nothing-like-this")
    assert titles(page.text) == [] and "No essential thread matches your search." in page.text

    # A removed thread leaves the essentials for readers (the moderators' decision stands).
    status, _ = await moot.api("POST", f"/api/moot/v1/posts/{slugs.id}/remove", token)
    assert status == 200
    assert "Slug FAQ" not in titles((await anonymous.get(base)).text)

    # The modlog says it all.
    moot.use()
    actions = set(await ModLogEntry.filter(group=group).values_list("action", flat=True))
    assert {"essentials.section_created", "essentials.section_renamed", "essentials.section_deleted",
            "essentials.sections_reordered", "essentials.added", "essentials.reordered"} <= actions
    log = await mod.get("/moderation/groups/growers?lang=en")
    assert "added Allotment Growers's" not in log.text  # sentences, not codes
    assert "essentials." not in re.sub(r"<[^>]+>", "", log.text)

    # ActivityPub: the Group actor links its essentials, a term of Moot's namespace in its context.
    status, actor_doc = await moot.get_ap(group.uri)
    assert status == 200 and actor_doc["essentials"] == f"{group.uri}/essentials"
    terms = {key: value for part in actor_doc["@context"] if isinstance(part, dict) for key, value in part.items()}
    assert terms["essentials"] == {"@id": "moot:essentials", "@type": "@id"} and terms["moot"].endswith("/ns#")
    status, doc = await moot.get_ap(actor_doc["essentials"])
    assert status == 200 and doc["type"] == "OrderedCollection" and doc["id"] == f"{group.uri}/essentials"
    assert doc["totalItems"] == 3 and doc["attributedTo"] == group.uri
    assert [part["name"] for part in doc["orderedItems"]] == ["Guides", "Start here", "Questions"]
    assert [part["type"] for part in doc["orderedItems"]] == ["OrderedCollection"] * 3
    assert doc["orderedItems"][0]["orderedItems"] == [news.uri, compost.uri]
    assert doc["orderedItems"][1]["orderedItems"] == [rules.uri] and doc["orderedItems"][1]["startHere"] is True
    assert doc["orderedItems"][2] == {"id": doc["orderedItems"][2]["id"], "type": "OrderedCollection",
                                      "totalItems": 0, "name": "Questions", "orderedItems": []}
    assert {"moot", "startHere"} <= set(doc["@context"][1])
    await anonymous.close()
    for client in (mod, olga, nina):
        await client.close()


async def test_the_api_manages_and_lists_essentials(moot: MootInstance) -> None:
    group, owner, token, _ = await make_group(moot, "readers")
    first = await thread(moot, owner, group, "Welcome", "Hello readers.")
    second = await thread(moot, owner, group, "Book list", "Our favourite books.")
    member, member_token = await moot.user("mia")
    await follow(moot.fed, member, group)
    await moot.drain()
    api = "/api/moot/v1/groups/readers/essentials"

    status, body = await moot.api("POST", api + "/sections", token, json={"name": "Guides"})
    assert status == 201 and body["name"] == "Guides" and body["threads"] == []
    guides = body["id"]
    status, body = await moot.api("POST", api + "/sections", token, json={"name": "Start here", "start_here": True})
    assert status == 201 and body["start_here"] is True
    start = body["id"]
    # Bounded and clear: a name too long, empty, or taken is a 422/409 with a sentence.
    assert (await moot.api("POST", api + "/sections", token, json={"name": "x" * 101}))[0] == 422
    assert (await moot.api("POST", api + "/sections", token, json={"name": "   "}))[0] == 422
    assert (await moot.api("POST", api + "/sections", token, json={"name": "GUIDES"}))[0] == 409
    # Members are not moderators.
    assert (await moot.api("POST", api + "/sections", member_token, json={"name": "Mine"}))[0] == 403
    assert (await moot.api("POST", api + "/sections", None, json={"name": "Mine"}))[0] == 401

    status, body = await moot.api("POST", f"{api}/sections/{guides}/threads", token, json={"post_id": str(first.id)})
    assert status == 201 and [t["title"] for t in body["threads"]] == ["Welcome"]
    status, body = await moot.api("POST", f"{api}/sections/{guides}/threads", token, json={"post_id": second.id})
    assert [t["title"] for t in body["threads"]] == ["Welcome", "Book list"]
    items = [t["id"] for t in body["threads"]]
    status, body = await moot.api("PUT", f"{api}/sections/{guides}/threads", token, json={"threads": items[::-1]})
    assert status == 200 and [t["title"] for t in body["threads"]] == ["Book list", "Welcome"]
    # An order that is not a permutation of the section's items is refused.
    assert (await moot.api("PUT", f"{api}/sections/{guides}/threads", token, json={"threads": items[:1]}))[0] == 422
    # Moving a thread into another section takes it out of the first.
    status, body = await moot.api("POST", f"{api}/sections/{start}/threads", token, json={"post_id": first.id})
    assert [t["title"] for t in body["threads"]] == ["Welcome"]
    # A reply is not a thread.
    reply = await create_status(moot.fed, owner, StatusInput(text="a reply", in_reply_to=first))
    assert (await moot.api("POST", f"{api}/sections/{start}/threads", token, json={"post_id": reply.id}))[0] == 422

    status, body = await moot.api("GET", api, member_token)
    assert status == 200 and body["newcomer"] is True
    assert [s["name"] for s in body["sections"]] == ["Start here", "Guides"]
    assert [[t["title"] for t in s["threads"]] for s in body["sections"]] == [["Welcome"], ["Book list"]]
    status, body = await moot.api("GET", api, token)
    assert body["newcomer"] is False and [s["name"] for s in body["sections"]] == ["Guides", "Start here"]
    status, body = await moot.api("PUT", api + "/sections", token, json={"sections": [int(start), int(guides)]})
    assert status == 200 and [s["name"] for s in body["sections"]] == ["Start here", "Guides"]
    status, body = await moot.api("PATCH", f"{api}/sections/{guides}", token, json={"name": "Reading"})
    assert status == 200 and body["name"] == "Reading"
    status, body = await moot.api("GET", api + "?q=FAVOURITE")
    assert [[t["title"] for t in s["threads"]] for s in body["sections"]] == [["Book list"]]

    status, body = await moot.api("GET", api, token)
    welcome_item = body["sections"][0]["threads"][0]["id"]
    assert (await moot.api("DELETE", f"{api}/threads/{welcome_item}", member_token))[0] == 403
    assert (await moot.api("DELETE", f"{api}/threads/{welcome_item}", token))[0] == 200
    assert (await moot.api("DELETE", f"{api}/sections/{guides}", token))[0] == 200
    status, body = await moot.api("GET", api, token)
    assert [(s["name"], s["threads"]) for s in body["sections"]] == [("Start here", [])]
    assert (await moot.api("GET", "/api/moot/v1/groups/nosuch/essentials"))[0] == 404


async def test_a_private_groups_essentials_are_for_its_members_only(
    moot: MootInstance, remote: FakeRemote,
) -> None:
    group, owner, token, _ = await make_group(moot, "vaulted", private=True)
    secret = await thread(moot, owner, group, "Secret handshake", "Kanarie knows the way.")
    api = "/api/moot/v1/groups/vaulted/essentials"
    status, body = await moot.api("POST", api + "/sections", token, json={"name": "Start here", "start_here": True})
    assert status == 201
    assert (await moot.api("POST", f"{api}/sections/{body['id']}/threads", token, json={"post_id": secret.id}))[0] \
        == 201
    member, member_actor = await remote_member(moot, remote, group, "mallory")
    moot.use()
    await decide_join(moot.fed, owner, await Follow.get(follower=member_actor, target=group), approve=True)
    outsider = remote.add_actor("oscar")
    local_outsider, outsider_token = await moot.user("otto")

    # HTML: outsiders see the tab and a lock, never a section or a title.
    for client_token in (None, outsider_token):
        status, html = await moot.api("GET", "/groups/vaulted/essentials", client_token)
        assert status == 200 and "only members see its essentials" in html
        assert "Secret handshake" not in html and "Start here" not in html and "Kanarie" not in html
    # API: 404 like a missing group.
    assert (await moot.api("GET", api))[0] == 404
    assert (await moot.api("GET", api, outsider_token))[0] == 404
    assert (await moot.api("GET", api + "?q=Kanarie", outsider_token))[0] == 404
    # ActivityPub: 404 unsigned or signed by an outsider; the member's signed fetch gets the collection.
    url = f"{group.uri}/essentials"
    status, _ = await moot.get_ap(url)
    assert status == 404
    status, _ = await remote.get_signed(outsider, url)
    assert status == 404
    status, doc = await remote.get_signed(member, url)
    assert status == 200 and doc["orderedItems"][0]["orderedItems"] == [secret.uri]
    # Members see it all.
    status, body = await moot.api("GET", api, token)
    assert status == 200 and body["sections"][0]["threads"][0]["title"] == "Secret handshake"
