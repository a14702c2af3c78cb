"""Q&A on one instance: asking from the group composer, accepting from the thread page without JavaScript, the
group's Unanswered filter (page and API), what is refused, and what a private group's outsiders never see."""
from __future__ import annotations

import re

from models.actors import LocalUser
from models.posts import Post
from tests.conftest import MootInstance
from tests.groups.helpers import make_group
from tests.web.browser import FormClient
from web.passwords import hash_password

PASSWORD = "correct horse battery"


async def signed_in(moot: MootInstance, name: str) -> FormClient:
    moot.use()
    await LocalUser.filter(actor__local_name=name).update(password_hash=hash_password(PASSWORD))
    client = FormClient(moot.base_url)
    page = await client.submit("/login", "/login", {"username": name, "password": PASSWORD})
    assert "Sign out" in page.text
    return client


def titles(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", title).strip() for title in re.findall(r'class="row-title"[^>]*>(.*?)</a>', html, re.S)]


async def test_ask_accept_and_filter_from_the_pages(moot: MootInstance) -> None:
    await moot.user("siteadmin", is_admin=True)
    group, owner, owner_token, _ = await make_group(moot, "askers")
    mia, mia_token = await moot.user("mia")
    bob, bob_token = await moot.user("bob")
    for token in (mia_token, bob_token):
        await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", token)
    mia_browser, bob_browser = await signed_in(moot, "mia"), await signed_in(moot, "bob")
    try:
        # The composer's checkbox asks the thread as a question.
        group_page = await mia_browser.get("/groups/askers")
        assert 'name="is_question"' in group_page.text and "Ask this as a question" in group_page.text
        asked = await mia_browser.submit("/groups/askers", "/groups/askers/posts",
                                         {"title": "Best time to sow beans?", "body": "Outdoors.", "is_question": "1"})
        assert asked.status == 200 and "/threads/" in asked.url
        question = await Post.get(name="Best time to sow beans?")
        assert question.is_question
        await mia_browser.submit("/groups/askers", "/groups/askers/posts", {"title": "Bean photos", "body": "Look."})
        assert not (await Post.get(name="Bean photos")).is_question
        status, other = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", mia_token,
                                       json={"title": "Where to buy seed potatoes?", "is_question": True})
        assert status == 201

        # bob answers twice; on the thread page only mia (and the moderators) get the buttons.
        thread_path = f"/threads/{question.id}"
        for text in ("After the last frost.", "When the soil is 10 degrees."):
            page = await bob_browser.submit(thread_path, f"{thread_path}/reply", {"body": text, "next": thread_path})
            assert page.status == 200
        first, second = await Post.filter(in_reply_to_id=question.id).order_by("id")
        bob_view = await bob_browser.get(thread_path)
        assert "Accept as answer" not in bob_view.text and "Not answered yet." in bob_view.text
        mia_view = await mia_browser.get(thread_path)
        assert mia_view.text.count('/accept" class="inline answer-accept"') == 2 and 'id="accepted-answer"' not in mia_view.text

        # mia accepts the second reply with the plain form: 303 back to the accepted answer.
        accepted = await mia_browser.submit(thread_path, f"/threads/{second.id}/accept", {"next": thread_path})
        assert accepted.status == 200 and accepted.url.endswith(f"{thread_path}?notice=answer_accepted")
        assert "Marked as the accepted answer." in accepted.text
        html = accepted.text
        section = html[html.index('id="accepted-answer"'):html.index('id="replies-heading"')]
        assert "When the soil is 10 degrees." in section and "After the last frost." not in section
        assert "Answered" in html and html.count('/accept" class="inline answer-accept"') == 1
        assert f'action="/threads/{second.id}/unaccept"' in html
        assert (await Post.get(id=question.id)).accepted_answer_id == second.id
        # bob, not the asker, is refused (403), with the form as a person would send it.
        refused = await bob_browser.submit(thread_path, f"/threads/{first.id}/accept", {"next": thread_path})
        assert refused.status == 403
        assert (await Post.get(id=question.id)).accepted_answer_id == second.id

        # The group's Unanswered filter: only the open question, for anyone; the list marks both.
        anonymous = FormClient(moot.base_url)
        try:
            listing = await anonymous.get("/groups/askers?filter=unanswered")
            assert titles(listing.text) == ["Where to buy seed potatoes?"]
            assert 'href="/groups/askers?filter=unanswered" aria-current="page"' in listing.text
            everything = await anonymous.get("/groups/askers")
            assert set(titles(everything.text)) == {"Best time to sow beans?", "Bean photos",
                                                    "Where to buy seed potatoes?"}
            assert "Unanswered" in everything.text and "Answered" in everything.text
        finally:
            await anonymous.close()
        status, api_listing = await moot.api("GET", "/api/moot/v1/groups/askers/posts?filter=unanswered")
        assert [post["title"] for post in api_listing["posts"]] == ["Where to buy seed potatoes?"]
        assert api_listing["posts"][0]["is_question"] is True

        # Withdrawn from the page: unanswered again.
        withdrawn = await mia_browser.submit(thread_path, f"/threads/{second.id}/unaccept", {"next": thread_path})
        assert withdrawn.status == 200 and "The question has no accepted answer now." in withdrawn.text
        status, api_listing = await moot.api("GET", "/api/moot/v1/groups/askers/posts?filter=unanswered")
        assert sorted(post["title"] for post in api_listing["posts"]) == ["Best time to sow beans?",
                                                                          "Where to buy seed potatoes?"]
    finally:
        await mia_browser.close()
        await bob_browser.close()

    # What cannot be accepted: a reply in a thread that is no question, the question itself, a reply that is not
    # the accepted one (to withdraw), a reply nobody may see.
    status, plain = await moot.api("GET", "/api/moot/v1/groups/askers/posts")
    bean_photos = next(post for post in plain["posts"] if post["title"] == "Bean photos")
    status, reply = await moot.api("POST", "/api/v1/statuses", bob_token,
                                   json={"status": "Lovely.", "in_reply_to_id": bean_photos["id"]})
    status, body = await moot.api("POST", f"/api/moot/v1/posts/{reply['id']}/accept", mia_token)
    assert status == 422 and body["error"] == "this thread is not a question"
    status, body = await moot.api("POST", f"/api/moot/v1/posts/{question.id}/accept", mia_token)
    assert status == 422 and body["error"] == "a question cannot be its own answer"
    status, body = await moot.api("POST", f"/api/moot/v1/posts/{question.id}/unaccept", mia_token)
    assert status == 200 and body["accepted_answer_id"] is None  # nothing accepted: nothing to withdraw
    await moot.api("POST", f"/api/moot/v1/posts/{first.id}/accept", mia_token)
    status, body = await moot.api("POST", f"/api/moot/v1/posts/{second.id}/unaccept", mia_token)
    assert status == 422 and body["error"] == "this reply is not the accepted answer"
    # An accepted answer a moderator removes no longer stands: the question is unanswered again.
    status, _ = await moot.api("POST", f"/api/moot/v1/posts/{first.id}/remove", owner_token, json={"reason": "spam"})
    assert status == 200
    status, api_listing = await moot.api("GET", "/api/moot/v1/groups/askers/posts?filter=unanswered")
    assert "Best time to sow beans?" in [post["title"] for post in api_listing["posts"]]
    status, thread = await moot.api("GET", f"/api/moot/v1/posts/{question.id}/thread", mia_token)
    assert thread["accepted_answer_id"] is None and "accepted_answer" not in thread
    status, body = await moot.api("POST", "/api/moot/v1/posts/999999/accept", mia_token)
    assert status == 404
    status, body = await moot.api("POST", f"/api/moot/v1/posts/{first.id}/accept")
    assert status == 401


async def test_a_private_groups_question_and_answer_stay_inside(moot: MootInstance) -> None:
    group, olga, olga_token, _ = await make_group(moot, "vault", private=True)
    mia, mia_token = await moot.user("mia")
    nina, nina_token = await moot.user("nina")
    await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", mia_token)
    await moot.api("POST", f"/api/moot/v1/groups/{group.id}/requests/{mia.id}/approve", olga_token)
    status, asked = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", mia_token,
                                   json={"title": "Secret question", "is_question": True})
    assert status == 201
    status, answer = await moot.api("POST", "/api/v1/statuses", olga_token,
                                    json={"status": "Secret answer", "in_reply_to_id": asked["id"]})
    status, _ = await moot.api("POST", f"/api/moot/v1/posts/{answer['id']}/accept", mia_token)
    assert status == 200
    status, status_json = await moot.api("GET", f"/api/v1/statuses/{asked['id']}", mia_token)
    assert status_json["moot"]["accepted_answer_id"] == answer["id"]

    for token in (None, nina_token):
        status, body = await moot.api("GET", f"/api/moot/v1/posts/{asked['id']}/thread", token)
        assert status == 404 and "Secret answer" not in str(body)
        status, body = await moot.api("GET", f"/api/v1/statuses/{asked['id']}", token)
        assert status == 404 and answer["id"] not in str(body)
        status, body = await moot.api("GET", "/api/moot/v1/groups/vault/posts?filter=unanswered", token)
        assert status == 403 and "Secret" not in str(body)
        # Nor can an outsider accept or withdraw: they cannot see it (404, as if it did not exist).
        if token:
            status, _ = await moot.api("POST", f"/api/moot/v1/posts/{answer['id']}/unaccept", token)
            assert status == 404
    async with moot.session.get(f"{moot.base_url}/groups/vault?filter=unanswered") as response:
        assert "Secret" not in await response.text()
    async with moot.session.get(f"{moot.base_url}/threads/{asked['id']}") as response:
        assert response.status == 404 and "Secret answer" not in await response.text()
