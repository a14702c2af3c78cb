"""Polls through Mastodon's client API (create, read, vote: the shapes Mastodon gives) and through the pages
(the group and page composers, the vote form on the thread page), and the Question document a poll serves."""
from __future__ import annotations

import re
from typing import Any, AsyncIterator

import pytest

from federation.activities import polls as poll_rules
from federation.activities import polls_votes
from models.actors import LocalUser
from models.polls import Poll, PollVote
from models.posts import Post
from tests.conftest import MootInstance
from tests.groups.helpers import make_group
from tests.web.browser import FormClient
from web.pages.activity_polls import MESSAGES
from web.passwords import hash_password

PASSWORD = "correct horse battery"
POLL_KEYS = {"id", "expires_at", "expired", "multiple", "votes_count", "voters_count", "options", "emojis"}


async def status(moot: MootInstance, token: str, **body: Any) -> tuple[int, Any]:
    return await moot.api("POST", "/api/v1/statuses", token, json=body)


async def test_create_read_and_vote_as_mastodon_clients_do(moot: MootInstance) -> None:
    author, token = await moot.user("ada")
    _, bob = await moot.user("bob")
    _, cleo = await moot.user("cleo")
    code, created = await status(moot, token, status="Lunch?", poll={
        "options": ["Soup", "Salad", "Both"], "expires_in": 3600, "multiple": True})
    assert code == 200, created
    poll = created["poll"]
    assert set(poll) == POLL_KEYS | {"voted", "own_votes"}
    assert poll["options"] == [{"title": "Soup", "votes_count": 0}, {"title": "Salad", "votes_count": 0},
                               {"title": "Both", "votes_count": 0}]
    assert poll["multiple"] is True and poll["expired"] is False and poll["voted"] is True  # the author's own
    assert poll["own_votes"] == [] and poll["votes_count"] == 0 and poll["expires_at"].endswith("Z")

    # Anyone may read it; without a token there is no voted/own_votes (as Mastodon).
    code, anonymous = await moot.api("GET", f"/api/v1/polls/{poll['id']}")
    assert code == 200 and set(anonymous) == POLL_KEYS
    code, voted = await moot.api("POST", f"/api/v1/polls/{poll['id']}/votes", bob, data=[
        ("choices[]", "0"), ("choices[]", "2")])
    assert code == 200, voted
    assert voted["voted"] is True and voted["own_votes"] == [0, 2]
    assert [o["votes_count"] for o in voted["options"]] == [1, 0, 1]
    assert voted["votes_count"] == 2 and voted["voters_count"] == 1
    code, voted = await moot.api("POST", f"/api/v1/polls/{poll['id']}/votes", cleo, json={"choices": [2]})
    assert code == 200 and voted["voters_count"] == 2 and voted["votes_count"] == 3
    code, shown = await moot.api("GET", f"/api/v1/statuses/{created['id']}", cleo)
    assert shown["poll"]["own_votes"] == [2] and shown["poll"]["options"][2]["votes_count"] == 2

    # Refusals: clear 422s (404 for a poll that is not there).
    for who, choices, message in ((bob, [1], "already"), (token, [0], "own poll"), (cleo, [], "Choose"),
                                  (cleo, [7], "not one of")):
        code, error = await moot.api("POST", f"/api/v1/polls/{poll['id']}/votes", who, json={"choices": choices})
        assert code == 422 and message in error["error"], (choices, error)
    code, error = await moot.api("POST", f"/api/v1/polls/{poll['id']}/votes", cleo, json={"choices": ["x"]})
    assert code == 422 and "indexes" in error["error"]
    assert (await moot.api("GET", "/api/v1/polls/999999"))[0] == 404
    assert (await moot.api("POST", "/api/v1/polls/nope/votes", bob, json={"choices": [0]}))[0] == 404
    assert (await moot.api("POST", f"/api/v1/polls/{poll['id']}/votes", json={"choices": [0]}))[0] == 401

    # One choice only on a single-choice poll.
    code, single = await status(moot, token, status="Tea?", poll={"options": ["Yes", "No"], "expires_in": 600})
    code, error = await moot.api("POST", f"/api/v1/polls/{single['poll']['id']}/votes", bob, json={"choices": [0, 1]})
    assert code == 422 and "one choice" in error["error"]

    # The Question served to other servers.
    moot.use()
    post = await Post.get(id=int(created["id"]))
    assert post.type == "Question"
    code, doc = await moot.get_ap(post.uri)
    assert code == 200 and doc["type"] == "Question" and doc["votersCount"] == 2
    assert doc["anyOf"] == [{"type": "Note", "name": name, "replies": {"type": "Collection", "totalItems": count}}
                            for name, count in (("Soup", 1), ("Salad", 0), ("Both", 2))]
    assert doc["endTime"] and "closed" not in doc and "oneOf" not in doc


REFUSED = [
    ({"options": ["Only one"], "expires_in": 3600}, "between 2 and 10 options"),
    ({"options": [str(n) for n in range(11)], "expires_in": 3600}, "between 2 and 10 options"),
    ({"options": ["A", "  "], "expires_in": 3600}, "cannot be empty"),
    ({"options": ["A", "x" * 101], "expires_in": 3600}, "at most 100 characters"),
    ({"options": ["Same", "same"], "expires_in": 3600}, "must be different"),
    ({"options": ["A", "B"], "expires_in": 60}, "between 5 minutes and 30 days"),
    ({"options": ["A", "B"], "expires_in": 31 * 86400}, "between 5 minutes and 30 days"),
    ({"options": ["A", "B"]}, "expires_in] is required"),
    ({"options": ["A", "B"], "expires_in": "soon"}, "number of seconds"),
    ({"options": "A, B", "expires_in": 600}, "list of texts"),
    ("yes please", "must be an object"),
]


async def test_a_poll_that_cannot_be_is_refused_clearly(moot: MootInstance) -> None:
    _, token = await moot.user("ada")
    for poll, message in REFUSED:
        code, error = await status(moot, token, status="A poll", poll=poll)
        assert code == 422 and message in error["error"], (poll, error)
    # The same from a form, as Mastodon clients send it.
    code, error = await moot.api("POST", "/api/v1/statuses", token, data=[
        ("status", "A poll"), ("poll[options][]", "A"), ("poll[expires_in]", "600")])
    assert code == 422 and "between 2 and 10 options" in error["error"]
    moot.use()
    assert await Poll.all().count() == 0 and await Post.all().count() == 0


def test_every_refusal_has_a_translatable_sentence() -> None:
    sentences = {value for module in (poll_rules, polls_votes) for name, value in vars(module).items()
                 if name.isupper() and isinstance(value, str) and value.endswith(".") and " " in value}
    assert sentences and sentences <= set(MESSAGES)


# --- the pages -----------------------------------------------------------------------------------------------------


@pytest.fixture
async def browsers(moot: MootInstance) -> AsyncIterator[Any]:
    made: list[FormClient] = []

    async def sign_in(name: str) -> tuple[Any, FormClient]:
        if not await LocalUser.filter(is_admin=True).exists():
            await moot.user("siteadmin", is_admin=True)
        actor, token = await moot.user(name)
        await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
        browser = FormClient(moot.base_url)
        made.append(browser)
        page = await browser.submit("/login", "/login", {"username": name, "password": PASSWORD, "next": "/home"})
        assert page.url.endswith("/home")
        return actor, browser

    yield sign_in
    for browser in made:
        await browser.close()


def poll_fields(*options: str, **extra: str) -> dict[str, str]:
    return {**{f"poll_option{n}": text for n, text in enumerate(options, start=1)}, "poll_duration": "86400", **extra}


async def test_a_poll_from_the_group_composer_and_a_vote_from_the_thread(moot: MootInstance, browsers: Any) -> None:
    owner, owner_browser = await browsers("ada")
    moot.use()
    group, _, _, _ = await make_group(moot, "choir")
    voter, voter_browser = await browsers("bob")
    page = await owner_browser.get("/groups/choir")
    assert "Add a poll" in page.text and 'name="poll_option10"' in page.text

    # A mistake keeps what was typed, and says what is wrong.
    bad = await owner_browser.submit("/groups/choir", "/groups/choir/posts", {
        "title": "Concert date", "body": "", **poll_fields("June", "june")})
    assert bad.status == 422 and "Each poll option must be different." in bad.text
    assert 'value="June"' in bad.text and 'value="june"' in bad.text and "<details class=\"composer-poll\" open" in bad.text

    done = await owner_browser.submit("/groups/choir", "/groups/choir/posts", {
        "title": "Concert date", "body": "", **poll_fields("June", "", "July", poll_multiple="1")})
    assert done.status == 200 and "/threads/" in done.url
    moot.use()
    post = await Post.get(name="Concert date")
    poll = await Poll.get(post_id=post.id)
    assert post.type == "Question" and post.group_id == group.id and poll.multiple
    assert [o["title"] for o in poll.options] == ["June", "July"]
    # The owner sees the results as they come; no form for their own poll.
    assert 'name="choices"' not in done.text and "It is your poll" in done.text

    thread = f"/threads/{post.id}"
    view = await voter_browser.get(thread)
    assert view.text.count('type="checkbox" name="choices"') == 0 and view.text.count('name="choices"') == 2
    assert "Choose one or more" in view.text
    empty = await voter_browser.submit(thread, f"{thread}/poll", {})
    assert empty.status == 422 and "Choose an option to vote." in empty.text
    voted = await voter_browser.submit(thread, f"{thread}/poll", {"choices": "1"})
    assert voted.status == 200 and "Your vote is counted." in voted.text
    assert re.search(r"July\s*<span class=\"badge accent\">Your choice</span>", voted.text)
    assert "100%" in voted.text and "1 person voted" in voted.text and 'name="choices"' not in voted.text
    moot.use()
    assert await PollVote.filter(poll_id=poll.id, voter_id=voter.id).values_list("choice", flat=True) == [1]


async def test_a_poll_from_the_page_composer_may_have_no_text(moot: MootInstance, browsers: Any) -> None:
    owner, browser = await browsers("ada")
    moot.use()
    bakery, _ = await moot.page("bakery", owner)
    done = await browser.submit("/@bakery", "/@bakery/posts", {"body": "", "visibility": "public",
                                                               **poll_fields("Rye", "Spelt", poll_duration="300")})
    assert done.status == 200 and "Posted." in done.text, done.text[-800:]
    moot.use()
    post = await Post.get(author_id=bakery.id)
    poll = await Poll.get(post_id=post.id)
    assert post.type == "Question" and [o["title"] for o in poll.options] == ["Rye", "Spelt"]
    assert 250 < (poll.expires_at - post.published).total_seconds() < 400
    # Without a poll, an empty post is still refused.
    empty = await browser.submit("/@bakery", "/@bakery/posts", {"body": "", "visibility": "public"})
    assert empty.status == 422 and "Write something to post." in empty.text
    # Signed out, the thread shows the poll with a way to sign in.
    anonymous = FormClient(moot.base_url)
    try:
        page = await anonymous.get(f"/threads/{post.id}")
    finally:
        await anonymous.close()
    assert "Sign in to vote" in page.text and "0 votes" in page.text and 'name="choices"' not in page.text


async def test_the_group_posts_api_takes_a_poll_too(moot: MootInstance) -> None:
    group, _, token, _ = await make_group(moot, "choir")
    code, created = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", token, json={
        "title": "Which song?", "poll": {"options": ["Shenandoah", "Scarborough Fair"], "expires_in": 3600}})
    assert code == 201, created
    assert created["type"] == "Question" and created["poll"]["options"][1] == {"title": "Scarborough Fair",
                                                                              "votes_count": 0}
    code, thread = await moot.api("GET", f"/api/moot/v1/posts/{created['id']}/thread")
    assert code == 200 and thread["poll"]["multiple"] is False
    code, error = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", token, json={
        "title": "Which song?", "poll": {"options": ["Only one"], "expires_in": 3600}})
    assert code == 422 and "between 2 and 10 options" in error["error"]
