"""The moderation log in sentences: every action code, made by the real moderation functions, read back from
the pages people use (the group queue's log, the instance log) in English and in Dutch, and from the JSON API.
No page shows an action code or a URI."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import unescape
from pathlib import Path
from typing import AsyncIterator

import pytest

from federation import modlog, review
from federation.actions import StatusInput, create_status, follow
from federation.activities.answers import accept_answer, unaccept_answer
from federation.activities import checkins as checkin_actions
from federation.activities import draws as draw_actions
from federation.community import essentials as essentials_actions
from federation.groups import moderation as group_moderation
from federation.groups import succession
from federation.groups.membership import decide_join
from federation.instance_settings import update_instance_info
from federation.policy import admin as policy_admin
from federation.policy import rule_admin
from federation.reports import close_report
from federation.resolve import get_actor
from models.accounts import RegistrationRequest
from models.actors import Actor, LocalUser
from models.follows import PENDING, Follow
from models.groups import HeldActivity
from models.moderation import ACTOR_POLICIES, DOMAIN_POLICIES, ContentRule, ModLogEntry, Report
from models.posts import Post
from tests.conftest import MootInstance
from tests.fakeremote import AS, FakeActor, FakeRemote
from tests.groups.helpers import join, lemmy_comment, lemmy_page
from tests.web.browser import FormClient
from federation import account_deletion
from federation.promotions import policy as promotion_policy
from federation.promotions import requests as promotion_requests
from web import account_security, accounts
from web.modlog_text import SENTENCES
from web.passwords import hash_password

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
ENDS = datetime(2031, 5, 1, 12, 0, tzinfo=timezone.utc)
SENTENCE = re.compile(r'<p class="modlog-sentence">(.*?)</p>', re.S)
ACTION_CODE = re.compile(r"\b[a-z]+\.[a-z_-]+\b")


def sentences(html: str) -> list[str]:
    """The modlog's sentences as people read them (tags gone, entities read, spaces collapsed)."""
    return [" ".join(unescape(re.sub(r"<[^>]+>", "", found)).split()) for found in SENTENCE.findall(html)]


def log_html(html: str) -> str:
    return html.split('<ul class="list modlog"', 1)[1].split("</ul>", 1)[0]


@dataclass
class Scene:
    moot: MootInstance
    remote: FakeRemote
    ada: Actor
    group: Actor
    reply: Post
    browser: FormClient


async def sign_in(moot: MootInstance, actor: Actor) -> FormClient:
    client = FormClient(moot.base_url)
    moot.use()
    await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
    page = await client.submit("/login", "/login", {"username": actor.local_name, "password": PASSWORD})
    assert "Sign out" in page.text
    return client


async def send(moot: MootInstance, remote: FakeRemote, actor: FakeActor, inbox: str, activity: dict) -> None:
    status, body = await remote.send(actor, inbox, activity)
    assert status == 202, body
    await moot.drain()


async def held_post(moot: MootInstance, remote: FakeRemote, ben: FakeActor, group: Actor, title: str) -> HeldActivity:
    create = lemmy_page(ben, group, title=title)
    await send(moot, remote, ben, group.inbox, create)
    return await HeldActivity.get(activity_uri=create["id"])


@pytest.fixture
async def scene(moot: MootInstance, remote: FakeRemote) -> AsyncIterator[Scene]:
    """Every action code the server records, each made once (or twice) by the function that makes it."""
    fed = moot.fed
    ada, token = await moot.user("ada", is_admin=True)
    dora, _ = await moot.user("dora")
    status, body = await moot.api("POST", "/api/moot/v1/groups", token, json={
        "name": "growers", "display_name": "Allotment Growers", "private": True})
    assert status == 201, body
    moot.use()
    group = await Actor.get(id=int(body["id"]))
    ben, cleo, eve, zed = (remote.add_actor(name) for name in ("ben", "cleo", "eve", "zed"))

    # Join requests: two decided by a moderator.
    for person in (ben, cleo, eve):
        await join(remote, person, group)
    await moot.drain()
    follows = {f.follower.uri: f for f in await Follow.filter(target=group, state=PENDING).prefetch_related("follower")}
    await decide_join(fed, ada, follows[ben.uri], approve=True, reason="a neighbour")
    await decide_join(fed, ada, follows[cleo.uri], approve=True)
    await decide_join(fed, ada, follows[eve.uri], approve=False, reason="not from around here")
    await moot.drain()

    # A thread and a reply by Ben, moderated.
    create = lemmy_page(ben, group, title="Slugs ate my lettuce")
    await send(moot, remote, ben, group.inbox, create)
    reply_create = lemmy_comment(ben, group, create["object"]["id"])
    await send(moot, remote, ben, group.inbox, reply_create)
    post = await Post.get(uri=create["object"]["id"])
    reply = await Post.get(uri=reply_create["object"]["id"])
    await group_moderation.remove_post(fed, ada, reply, "spam")
    await group_moderation.remove_post(fed, ada, reply, "appeal upheld", restore=True)
    await group_moderation.lock_post(fed, ada, post, "heated")
    await group_moderation.lock_post(fed, ada, post, "", locked=False)
    await group_moderation.pin_post(fed, ada, post)
    await group_moderation.pin_post(fed, ada, post, pinned=False)

    # Q&A: hana (a local member) asks, Ben answers, the moderator accepts his answer and withdraws it.
    hana, _ = await moot.user("hana")
    await follow(fed, hana, group)
    await decide_join(fed, ada, await Follow.get(follower=hana, target=group), approve=True)
    question = await create_status(fed, hana, StatusInput(text="Which pellets are safe?", group=group,
                                                          title="Safe slug pellets?", is_question=True))
    answer_create = lemmy_comment(ben, group, question.uri, "<p>Iron phosphate ones.</p>")
    await send(moot, remote, ben, group.inbox, answer_create)
    answer = await Post.get(uri=answer_create["object"]["id"])
    await accept_answer(fed, ada, answer)
    await unaccept_answer(fed, ada, answer)

    # A daily check-in, set up, changed, paused, resumed and ended by the moderator.
    series = await checkin_actions.start_series(fed, ada, group, checkin_actions.parse_settings(
        "Daily watering", "UTC", None))
    await checkin_actions.edit_series(fed, ada, series, checkin_actions.parse_settings("Watering", "UTC", [0, 3]))
    await checkin_actions.set_paused(fed, ada, series, True)
    await checkin_actions.set_paused(fed, ada, series, False)
    await checkin_actions.end_series(fed, ada, series)

    # Draws: one started and drawn at its deadline, one started and cancelled.
    soon = datetime.now(timezone.utc) + timedelta(hours=1)
    drawn = await draw_actions.create_draw(fed, ada, group, draw_actions.DrawSpec("A watering can", 1, soon))
    await draw_actions.reveal(fed, drawn, soon)
    cancelled = await draw_actions.create_draw(fed, ada, group, draw_actions.DrawSpec("Seed potatoes", 1, soon))
    await draw_actions.cancel_draw(fed, ada, cancelled, "out of stock")

    # Essentials: two sections, one renamed; two threads added, reordered, one taken out; a section deleted.
    guides = await essentials_actions.create_section(ada, group, "Guides")
    extra = await essentials_actions.create_section(ada, group, "Old notes")
    await essentials_actions.edit_section(ada, guides, "Start here", start_here=True)
    slugs_item = await essentials_actions.add_thread(ada, await Post.get(id=post.id), guides)
    await essentials_actions.add_thread(ada, await Post.get(id=question.id), guides)
    await essentials_actions.move_thread(ada, slugs_item, 1)
    await essentials_actions.move_section(ada, extra, -1)
    await essentials_actions.remove_thread(ada, slugs_item)
    await essentials_actions.delete_section(ada, extra)

    # Running the community (federation/community/): member tags, join settings, invitation links
    # (their sentences are checked in tests/community/test_community11_modlog.py).
    # In a group of their own, so the growers' log stays within one page.
    from federation.community import joining as joining_actions, members_tags
    status, body = await moot.api("POST", "/api/moot/v1/groups", token, json={"name": "plots", "private": True})
    assert status == 201, body
    moot.use()
    plots = await Actor.get(id=int(body["id"]))
    await members_tags.define_tag(ada, plots, "Volunteer")
    await members_tags.rename_tag(ada, plots, "Volunteer", "Helper")
    await members_tags.assign_tag(ada, plots, ada, "Helper")
    await members_tags.unassign_tag(ada, plots, ada, "Helper")
    await members_tags.delete_tag(ada, plots, "Helper")
    await joining_actions.save_settings(ada, plots, questions=["Where is your plot?"])
    invite = await joining_actions.create_invite(ada, plots, expires_at=None, max_uses=3)
    await joining_actions.revoke_invite(ada, plots, invite.id)

    # A group rule holds posts; one approved (trusting Ben), one rejected, one left to expire.
    await rule_admin.add_rule(fed, ada, group, pattern="giveaway", is_regex=False, action="hold", targets=["text"],
                              reason="spam wave")
    approved = await held_post(moot, remote, ben, group, "Seed giveaway on Saturday")
    rejected = await held_post(moot, remote, ben, group, "Crypto giveaway")
    expiring = await held_post(moot, remote, ben, group, "Old giveaway")
    await review.approve(fed, ada, approved, trust=True, reason="a real swap")
    await review.reject(fed, ada, rejected, "no spam please")
    await HeldActivity.filter(id=expiring.id).update(created_at=datetime.now(timezone.utc) - timedelta(days=30))
    assert await review.expire_held() == 1
    await rule_admin.remove_rule(fed, ada, group, (await ContentRule.get(group=group)).id, reason="wave over")
    await moot.drain()

    # Two reports about Ben's post, from Cleo.
    for comment in ("this is rude", "still rude"):
        flag = {"@context": AS, "id": cleo.new_id(), "type": "Flag", "actor": cleo.uri, "content": comment,
                "object": [ben.uri, create["object"]["id"]], "to": [group.uri]}
        await send(moot, remote, cleo, group.inbox, flag)
    first, second = await Report.filter(group=group).order_by("id")
    await close_report(ada, first, dismiss=False, action_taken="warned Ben")
    await close_report(ada, second, dismiss=True, action_taken="not rude")

    # Members and moderators.
    ben_actor, cleo_actor = await Actor.get(uri=ben.uri), await Actor.get(uri=cleo.uri)
    await group_moderation.ban_member(fed, ada, group, ben_actor, reason="rude", expires_at=ENDS, remove_data=True)
    await group_moderation.unban_member(fed, ada, group, ben_actor)
    await group_moderation.mute_member(fed, ada, group, cleo_actor, reason="cool off", expires_at=ENDS)
    await group_moderation.unmute_member(fed, ada, group, cleo_actor)
    await group_moderation.remove_member(fed, ada, group, cleo_actor)
    await group_moderation.set_moderator(fed, ada, group, dora, added=True)
    await group_moderation.set_moderator(fed, ada, group, dora, added=False)
    await modlog.record(succession.SUCCEEDED, moderator=ada, target=dora.uri, group=group)
    await moot.drain()

    # The whole server: rules, domains, accounts, settings, sign-ups, users.
    rule = await rule_admin.add_rule(fed, ada, None, pattern="buy now", is_regex=False, action="reject",
                                     targets=["text"])
    await rule_admin.remove_rule(fed, ada, None, rule.id)
    await policy_admin.set_domain_policy(fed, ada, "spam.example", "suspend", public_reason="spam factory",
                                         private_reason="reported by three members", expires_at=ENDS)
    await policy_admin.set_domain_policy(fed, ada, "noisy.example", "limit")
    await policy_admin.set_domain_policy(fed, ada, "pics.example", "reject-media")
    await policy_admin.set_domain_policy(fed, ada, "friends.example", "allow")
    await policy_admin.remove_domain_policy(fed, ada, "noisy.example", reason="calmer now")
    zed_actor = await get_actor(fed, zed.uri)
    await policy_admin.set_actor_policy(fed, ada, zed_actor, "suspend", reason="harassment")
    await policy_admin.set_actor_policy(fed, ada, zed_actor, "limit")
    await policy_admin.remove_actor_policy(fed, ada, zed_actor)
    await update_instance_info(fed, ada, name="Allotment Club", description="Gardeners.", rules="Be kind.")
    await accounts.set_registration_mode(ada, "approval")
    for name in ("fern", "gus"):
        await accounts.register(fed, name, "password9", "password9", reason="I grow things")
    requests = {row.username: row for row in await RegistrationRequest.all()}
    await accounts.decide_registration(fed, ada, requests["fern"].id, True, reason="welcome")
    await accounts.decide_registration(fed, ada, requests["gus"].id, False, reason="spam")
    await accounts.set_registration_mode(ada, "invite")
    await accounts.create_invite(ada, expires_at=None, max_uses=1)
    await accounts.suspend_user(ada, dora, reason="spamming")
    await accounts.unsuspend_user(ada, dora, reason="apologised")
    await accounts.set_admin(ada, dora, True)
    await accounts.set_admin(ada, dora, False)
    # Account basics (web/account_security.py, federation/account_deletion.py): a reset, a cancelled deletion.
    await account_security.admin_reset(ada, await LocalUser.get(actor=dora), reason="locked out")
    await account_deletion.request_deletion(fed, await LocalUser.get(actor=dora))
    await account_deletion.cancel_deletion(ada, await LocalUser.get(actor=dora), reason="changed her mind")
    # Promotion (federation/promotions): the bakery asks twice; one is approved, the other rejected.
    bakery, _ = await moot.page("bakery", ada, display_name="The Bakery")
    await promotion_policy.set_policy(ada, mode="approval", daily_cap=3)
    loaves = await create_status(fed, bakery, StatusInput(text="Fresh loaves at eight"))
    buns = await create_status(fed, bakery, StatusInput(text="Hot cross buns"))
    await promotion_requests.approve((await promotion_requests.request_promotion(bakery, ada, loaves, days=3)).id,
                                     ada, reason="the village bakery")
    await promotion_requests.reject((await promotion_requests.request_promotion(bakery, ada, buns, days=3)).id,
                                    ada, reason="one at a time")
    await policy_admin.set_federation_mode(fed, ada, "allowlist")

    browser = await sign_in(moot, ada)
    yield Scene(moot=moot, remote=remote, ada=ada, group=group, reply=reply, browser=browser)
    await browser.close()


GROUP_SENTENCES = {
    "join.approved": ("ada approved Ben's request to join Allotment Growers: a neighbour",
                      "ada heeft het verzoek van Ben om lid te worden van Allotment Growers goedgekeurd: a neighbour"),
    "join.rejected": ("ada rejected Eve's request to join Allotment Growers: not from around here",
                      "ada heeft het verzoek van Eve om lid te worden van Allotment Growers afgewezen: "
                      "not from around here"),
    "post.removed": ("ada removed Ben's reply in Allotment Growers: spam",
                     "ada heeft de reactie van Ben in Allotment Growers verwijderd: spam"),
    "post.restored": ("ada restored Ben's reply in Allotment Growers: appeal upheld",
                      "ada heeft de reactie van Ben in Allotment Growers teruggezet: appeal upheld"),
    "post.locked": ("ada locked Ben's post “Slugs ate my lettuce” in Allotment Growers: heated",
                    "ada heeft het bericht “Slugs ate my lettuce” van Ben in Allotment Growers gesloten: heated"),
    "post.unlocked": ("ada unlocked Ben's post “Slugs ate my lettuce” in Allotment Growers",
                      "ada heeft het bericht “Slugs ate my lettuce” van Ben in Allotment Growers heropend"),
    "post.pinned": ("ada pinned Ben's post “Slugs ate my lettuce” in Allotment Growers",
                    "ada heeft het bericht “Slugs ate my lettuce” van Ben in Allotment Growers vastgezet"),
    "post.unpinned": ("ada unpinned Ben's post “Slugs ate my lettuce” in Allotment Growers",
                      "ada heeft het bericht “Slugs ate my lettuce” van Ben in Allotment Growers losgemaakt"),
    "rule.added": ("ada added a rule to Allotment Growers that holds posts matching giveaway for review: spam wave",
                   "ada heeft aan Allotment Growers een regel toegevoegd die berichten met giveaway vasthoudt voor "
                   "beoordeling: spam wave"),
    "held.approved": ("ada approved a held post by Ben in Allotment Growers: a real swap. Ben is trusted from now on.",
                      "ada heeft een vastgehouden bericht van Ben in Allotment Growers goedgekeurd: a real swap. "
                      "Ben wordt voortaan vertrouwd."),
    "held.rejected": ("ada rejected a held post by Ben in Allotment Growers: no spam please",
                      "ada heeft een vastgehouden bericht van Ben in Allotment Growers afgewezen: no spam please"),
    "held.expired": ("Nobody reviewed a held post by Ben in Allotment Growers in time, so it expired",
                     "Niemand heeft een vastgehouden bericht van Ben in Allotment Growers op tijd beoordeeld, dus het "
                     "is verlopen"),
    "rule.removed": ("ada removed the rule for giveaway from Allotment Growers: wave over",
                     "ada heeft de regel voor giveaway uit Allotment Growers verwijderd: wave over"),
    "report.resolved": ("ada resolved a report about Ben in Allotment Growers: warned Ben",
                        "ada heeft een melding over Ben in Allotment Growers afgehandeld: warned Ben"),
    "report.dismissed": ("ada dismissed a report about Ben in Allotment Growers: not rude",
                         "ada heeft een melding over Ben in Allotment Growers genegeerd: not rude"),
    "member.banned": ("ada banned Ben from Allotment Growers: rude. The ban ends on 1 May 2031, 12:00. "
                      "Their posts in the group were removed.",
                      "ada heeft Ben uit Allotment Growers verbannen: rude. De ban loopt af op 1 mei 2031, 12:00. "
                      "Hun berichten in de groep zijn verwijderd."),
    "member.unbanned": ("ada lifted the ban on Ben in Allotment Growers",
                        "ada heeft de ban van Ben in Allotment Growers opgeheven"),
    "member.muted": ("ada muted Cleo in Allotment Growers: cool off. The mute ends on 1 May 2031, 12:00.",
                     "ada heeft Cleo in Allotment Growers gedempt: cool off. Het dempen loopt af op 1 mei 2031, 12:00."),
    "member.unmuted": ("ada unmuted Cleo in Allotment Growers",
                       "ada heeft het dempen van Cleo in Allotment Growers opgeheven"),
    "member.removed": ("ada removed Cleo from Allotment Growers", "ada heeft Cleo uit Allotment Growers verwijderd"),
    "moderator.added": ("ada made dora a moderator of Allotment Growers",
                        "ada heeft dora moderator van Allotment Growers gemaakt"),
    "moderator.removed": ("ada removed dora as a moderator of Allotment Growers",
                          "ada heeft dora als moderator van Allotment Growers verwijderd"),
    "group.succeeded": ("ada took over Allotment Growers because dora's account was deleted",
                        "ada heeft Allotment Growers overgenomen omdat het account van dora is verwijderd"),
    "answer.accepted": ("ada accepted Ben's reply as the answer in Allotment Growers",
                        "ada heeft de reactie van Ben in Allotment Growers als antwoord geaccepteerd"),
    "answer.unaccepted": ("ada withdrew Ben's reply as the accepted answer in Allotment Growers",
                          "ada heeft de reactie van Ben in Allotment Growers niet meer als antwoord geaccepteerd"),
    "checkin.started": ("ada started the check-in “Daily watering” in Allotment Growers",
                        "ada heeft de check-in “Daily watering” in Allotment Growers gestart"),
    "checkin.edited": ("ada changed the check-in “Watering” in Allotment Growers",
                       "ada heeft de check-in “Watering” in Allotment Growers aangepast"),
    "checkin.paused": ("ada paused the check-in “Watering” in Allotment Growers",
                       "ada heeft de check-in “Watering” in Allotment Growers gepauzeerd"),
    "checkin.resumed": ("ada resumed the check-in “Watering” in Allotment Growers",
                        "ada heeft de check-in “Watering” in Allotment Growers hervat"),
    "checkin.ended": ("ada ended the check-in “Watering” in Allotment Growers",
                      "ada heeft de check-in “Watering” in Allotment Growers beëindigd"),
    "draw.created": ("ada started a draw for “A watering can” in Allotment Growers",
                     "ada is in Allotment Growers een loting om “A watering can” begonnen"),
    "draw.drawn": ("The winners of the draw for “A watering can” in Allotment Growers were drawn",
                   "De winnaars van de loting om “A watering can” in Allotment Growers zijn geloot"),
    "draw.cancelled": ("ada cancelled the draw for “Seed potatoes” in Allotment Growers: out of stock",
                       "ada heeft de loting om “Seed potatoes” in Allotment Growers geannuleerd: out of stock"),
    "essentials.section_created": ("ada added the section “Guides” to the essentials of Allotment Growers",
                                   "ada heeft de rubriek “Guides” aan de wegwijzer van Allotment Growers toegevoegd"),
    "essentials.section_renamed": ("ada renamed the section “Guides” to “Start here” in the essentials of "
                                   "Allotment Growers",
                                   "ada heeft de rubriek “Guides” in de wegwijzer van Allotment Growers hernoemd tot "
                                   "“Start here”"),
    "essentials.added": ("ada added Ben's post “Slugs ate my lettuce” to the section “Start here” of the "
                         "essentials of Allotment Growers",
                         "ada heeft het bericht “Slugs ate my lettuce” van Ben aan de rubriek “Start here” van de "
                         "wegwijzer van Allotment Growers toegevoegd"),
    "essentials.reordered": ("ada reordered the section “Start here” in the essentials of Allotment Growers",
                             "ada heeft de volgorde in de rubriek “Start here” van de wegwijzer van Allotment Growers "
                             "aangepast"),
    "essentials.sections_reordered": ("ada reordered the sections of the essentials of Allotment Growers",
                                      "ada heeft de volgorde van de rubrieken in de wegwijzer van Allotment Growers "
                                      "aangepast"),
    "essentials.removed": ("ada took Ben's post “Slugs ate my lettuce” out of the section “Start here” of the "
                           "essentials of Allotment Growers",
                           "ada heeft het bericht “Slugs ate my lettuce” van Ben uit de rubriek “Start here” van de "
                           "wegwijzer van Allotment Growers gehaald"),
    "essentials.section_deleted": ("ada deleted the section “Old notes” from the essentials of Allotment Growers",
                                   "ada heeft de rubriek “Old notes” uit de wegwijzer van Allotment Growers "
                                   "verwijderd"),
}

SERVER_SENTENCES = {
    "actor.trusted": ("ada marked Ben as trusted: approved and trusted by a moderator",
                      "ada heeft Ben als vertrouwd gemarkeerd: approved and trusted by a moderator"),
    "rule.added": ("ada added a server-wide rule that rejects posts matching buy now",
                   "ada heeft een serverbrede regel toegevoegd die berichten met buy now weigert"),
    "rule.removed": ("ada removed the server-wide rule for buy now",
                     "ada heeft de serverbrede regel voor buy now verwijderd"),
    "domain.suspend": ("ada suspended spam.example: spam factory. The policy ends on 1 May 2031, 12:00.",
                       "ada heeft spam.example opgeschort: spam factory. Het beleid loopt af op 1 mei 2031, 12:00."),
    "domain.limit": ("ada limited noisy.example", "ada heeft noisy.example beperkt"),
    "domain.reject-media": ("ada rejected media from pics.example", "ada heeft media van pics.example geweigerd"),
    "domain.allow": ("ada allowed friends.example", "ada heeft friends.example toegestaan"),
    "domain.cleared": ("ada cleared the policy for noisy.example: calmer now",
                       "ada heeft het beleid voor noisy.example opgeheven: calmer now"),
    "actor.suspend": ("ada suspended Zed: harassment", "ada heeft Zed opgeschort: harassment"),
    "actor.limit": ("ada limited Zed", "ada heeft Zed beperkt"),
    "actor.cleared": ("ada cleared the policy for Zed", "ada heeft het beleid voor Zed opgeheven"),
    "instance.settings": ("ada changed the name, the description and the rules of the server",
                          "ada heeft de naam, de beschrijving en de regels van de server gewijzigd"),
    "instance.registration_mode": ("ada made sign-ups wait for an admin's approval",
                                   "ada heeft ingesteld dat aanmeldingen op goedkeuring van een beheerder wachten"),
    "registration.approved": ("ada approved fern's sign-up: welcome",
                              "ada heeft de aanmelding van fern goedgekeurd: welcome"),
    "registration.rejected": ("ada rejected gus's sign-up: spam", "ada heeft de aanmelding van gus afgewezen: spam"),
    "invite.created": ("ada created an invitation", "ada heeft een uitnodiging aangemaakt"),
    "user.suspended": ("ada suspended dora's account: spamming",
                       "ada heeft het account van dora opgeschort: spamming"),
    "user.unsuspended": ("ada lifted the suspension of dora's account: apologised",
                         "ada heeft de opschorting van het account van dora opgeheven: apologised"),
    "user.promoted": ("ada made dora an admin", "ada heeft dora beheerder gemaakt"),
    "user.demoted": ("ada removed dora's admin rights", "ada heeft de beheerdersrechten van dora ingetrokken"),
    "user.password_reset": ("ada reset dora's password: locked out",
                            "ada heeft het wachtwoord van dora opnieuw ingesteld: locked out"),
    "user.deletion_cancelled": ("ada cancelled the deletion of dora's account: changed her mind",
                                "ada heeft de verwijdering van het account van dora geannuleerd: changed her mind"),
    "promotion.approved": ("ada approved the promotion of The Bakery's post: the village bakery",
                           "ada heeft de promotie van het bericht van The Bakery goedgekeurd: the village bakery"),
    "promotion.rejected": ("ada rejected the promotion of The Bakery's post: one at a time",
                           "ada heeft de promotie van het bericht van The Bakery afgewezen: one at a time"),
    "instance.federation_mode": ("ada limited federation to the servers on the allowlist",
                                 "ada heeft federatie beperkt tot de servers op de toelatingslijst"),
}
MORE_SERVER_SENTENCES = [  # a second registration mode
    ("ada made sign-ups invitation-only", "ada heeft aanmelden alleen op uitnodiging mogelijk gemaakt"),
]


def _no_codes_or_uris(html: str, scene: Scene) -> None:
    text = " ".join(sentences(html))
    assert "http" not in text and "://" not in text
    assert not [code for code in ACTION_CODE.findall(text) if code.split(".")[0] in
                {"post", "member", "moderator", "join", "held", "report", "rule", "domain", "actor", "instance",
                 "invite", "registration", "user"}]
    # Links go to pages here (threads, profiles, groups), never to a post's or an activity's URI.
    assert scene.reply.uri not in html
    assert "/activities/" not in html and "/users/ben/post" not in html and "/users/ben/comment" not in html


async def test_the_group_queue_log_says_each_decision_in_english_and_dutch(scene: Scene) -> None:
    queue = "/moderation/groups/growers"
    english = await scene.browser.get(queue + "?lang=en")
    dutch = await scene.browser.get(queue + "?lang=nl")
    assert english.status == dutch.status == 200
    said_en, said_nl = sentences(english.text), sentences(dutch.text)
    for code, (en, nl) in GROUP_SENTENCES.items():
        assert en in said_en, (code, said_en)
        assert nl in said_nl, (code, said_nl)
    # Every entry of the group is a sentence, and the log holds nothing else.
    assert len(said_en) == await ModLogEntry.filter(group=scene.group).count()
    log = log_html(english.text)
    _no_codes_or_uris(log, scene)
    # The reply links to its thread, and Ben to his profile.
    assert f'<a href="/threads/{scene.reply.id}">Ben&#39;s reply</a>' in log
    assert f'href="{scene.remote.base_url}/@ben" title="@ben@{scene.remote.host}">Ben</a>' in log
    assert 'href="/groups/growers" title="@growers@' in log and 'href="/@ada"' in log
    assert "<code>giveaway</code>" in log and '<time datetime="2031-05-01T12:00:00+00:00">' in log
    # The group's moderators do not see the private reasons only admins see.
    assert "Private:" not in log


async def test_the_instance_log_says_each_decision_with_private_reasons(scene: Scene) -> None:
    english = await scene.browser.get("/moderation/instance/log?lang=en")
    dutch = await scene.browser.get("/moderation/instance/log?lang=nl")
    said_en, said_nl = sentences(english.text), sentences(dutch.text)
    # The scene's entries fill more than one page of 50: the oldest are on the second.
    said_en += sentences((await scene.browser.get("/moderation/instance/log?lang=en&page=2")).text)
    said_nl += sentences((await scene.browser.get("/moderation/instance/log?lang=nl&page=2")).text)
    assert len(said_en) == await ModLogEntry.all().count() < 100
    for code, (en, nl) in [*SERVER_SENTENCES.items(), *GROUP_SENTENCES.items()]:
        assert en in said_en, (code, said_en)
        assert nl in said_nl, (code, said_nl)
    for en, nl in MORE_SERVER_SENTENCES:
        assert en in said_en and nl in said_nl
    log = log_html(english.text)
    _no_codes_or_uris(log, scene)
    assert "Private: reported by three members" in log
    assert "Privé: reported by three members" in log_html(dutch.text)
    # Every code the server records was made above, so each sentence was checked.
    assert set(SENTENCES) <= set(await ModLogEntry.all().values_list("action", flat=True))
    # The instance queue's latest decisions read the same way.
    page = await scene.browser.get("/moderation/instance?lang=en")
    assert "ada limited federation to the servers on the allowlist" in sentences(page.text)


async def test_the_admin_api_gives_each_entry_in_an_english_sentence(scene: Scene) -> None:
    _, token = await scene.moot.user("hal", is_admin=True)
    status, entries = await scene.moot.api("GET", "/api/moot/v1/admin/modlog", token)
    assert status == 200 and len(entries) > 20
    # The scene fills more than one page: read them all.
    for page in range(2, 5):
        status, more = await scene.moot.api("GET", f"/api/moot/v1/admin/modlog?page={page}", token)
        assert status == 200
        entries += more
    for entry in entries:
        assert entry["text"] and "<" not in entry["text"] and "http" not in entry["text"], entry
    texts: dict[str, list[str]] = {}
    for entry in entries:
        texts.setdefault(entry["action"], []).append(entry["text"])
    assert texts["domain.suspend"] == [SERVER_SENTENCES["domain.suspend"][0]]
    assert texts["user.promoted"] == ["ada made dora an admin"]
    assert texts["post.removed"] == ["ada removed Ben's reply in Allotment Growers: spam"]
    # Plain text: a pattern is quoted, where the page shows it as code.
    assert sorted(texts["rule.removed"]) == ["ada removed the rule for “giveaway” from Allotment Growers: wave over",
                                             "ada removed the server-wide rule for “buy now”"]
    # The fields that were there stay as they were.
    (removed,) = [entry for entry in entries if entry["action"] == "post.removed"]
    assert removed["target"] == scene.reply.uri and removed["reason"] == "spam" and removed["moderator"].startswith("ada@")


def test_every_recorded_action_code_has_a_sentence() -> None:
    """Each `modlog.record("code", ...)` in the code base (f-strings expanded) is in SENTENCES."""
    families = {"domain": DOMAIN_POLICIES + ("cleared",), "actor": ACTOR_POLICIES + ("cleared",),
                "report": ("resolved", "dismissed")}
    found: set[str] = set()
    for path in [*(REPO / "federation").rglob("*.py"), *(REPO / "web").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "modlog" and node.args):
                continue
            first = node.args[0]
            literals = [first] if isinstance(first, ast.Constant) else (
                [first.body, first.orelse] if isinstance(first, ast.IfExp) else [])
            if isinstance(first, ast.JoinedStr):
                prefix = "".join(str(part.value) for part in first.values if isinstance(part, ast.Constant))
                family = prefix.rstrip(".")
                assert family in families, f"{path}: a new family of codes {prefix!r}: add it to this test"
                found |= {f"{family}.{member}" for member in families[family]}
            for literal in literals:
                assert isinstance(literal, ast.Constant), f"{path}:{node.lineno}: an action code we cannot read"
                found.add(str(literal.value))
    assert len(found) > 40
    assert not found - set(SENTENCES), f"codes without a sentence (web/modlog_text/sentences.py): {found - set(SENTENCES)}"


async def test_the_public_api_does_not_name_a_post_the_viewer_may_not_see(
    moot: MootInstance, remote: FakeRemote,
) -> None:
    ada, token = await moot.user("ada", is_admin=True)
    status, body = await moot.api("POST", "/api/moot/v1/groups", token, json={
        "name": "gardening", "display_name": "Gardeners"})
    assert status == 201
    moot.use()
    group = await Actor.get(id=int(body["id"]))
    bea = remote.add_actor("bea")
    await join(remote, bea, group)
    create = lemmy_page(bea, group, title="Secret seeds")
    await send(moot, remote, bea, group.inbox, create)
    post = await Post.get(uri=create["object"]["id"])
    await group_moderation.remove_post(moot.fed, ada, post, "spam")
    await group_moderation.pin_post(moot.fed, ada, await Post.get(id=post.id))

    status, entries = await moot.api("GET", "/api/moot/v1/modlog?group_id=gardening")
    assert status == 200
    texts = {entry["action"]: entry for entry in entries}
    # A removed post is not for a visitor: the entry says "a post", and its target is empty.
    assert texts["post.removed"]["text"] == "ada removed a post in Gardeners: spam"
    assert texts["post.removed"]["target"] == "" and "Secret seeds" not in str(entries) and "Bea" not in str(entries)
    # The admin reads it all.
    status, entries = await moot.api("GET", "/api/moot/v1/admin/modlog", token)
    texts = {entry["action"]: entry for entry in entries}
    assert texts["post.removed"]["text"] == "ada removed Bea's post “Secret seeds” in Gardeners: spam"
    assert texts["post.removed"]["target"] == post.uri


async def test_names_and_reasons_are_escaped_and_unknown_codes_read_as_sentences(
    moot: MootInstance, remote: FakeRemote,
) -> None:
    ada, token = await moot.user("ada", is_admin=True, display_name="<b>Ada</b> & co")
    status, body = await moot.api("POST", "/api/moot/v1/groups", token, json={
        "name": "growers", "display_name": "<i>Growers</i>"})
    assert status == 201
    moot.use()
    group = await Actor.get(id=int(body["id"]))
    await policy_admin.set_domain_policy(moot.fed, ada, "spam.example", "limit",
                                         public_reason='<script>alert("x")</script>')
    await ModLogEntry.create(action="group.renamed", moderator=ada, group=group, target=group.uri,
                             reason="<img src=x onerror=alert(1)>")
    await ModLogEntry.create(action="something.new", moderator=None, target="https://elsewhere.example/thing/1")
    browser = await sign_in(moot, ada)
    try:
        page = await browser.get("/moderation/instance/log?lang=en")
    finally:
        await browser.close()
    log = log_html(page.text)
    assert "<script>" not in log and "<img" not in log and "<b>Ada" not in log and "<i>Growers" not in log
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in log and "&lt;b&gt;Ada&lt;/b&gt; &amp; co" in log
    said = sentences(page.text)
    assert '<b>Ada</b> & co limited spam.example: <script>alert("x")</script>' in said
    # Codes the log does not know yet: a general sentence, naming the group or account when there is one.
    assert "<b>Ada</b> & co made a moderation decision in <i>Growers</i>: <img src=x onerror=alert(1)>" in said
    assert "A moderator made a moderation decision" in said
    assert "elsewhere.example" not in log and "something.new" not in log and "group.renamed" not in log


def test_a_translation_whose_placeholders_do_not_fit_falls_back_to_english() -> None:
    from web.modlog_text.writer import Language, Writer

    class Broken:
        @staticmethod
        def gettext(message: str) -> str:
            return "%(nonsense)s kapot"

    writer = Writer(Language(Broken(), "nl"), html=True)
    filled = writer.fill("%(moderator)s created an invitation", moderator=writer.text("<ada>"))
    assert str(filled) == "&lt;ada&gt; created an invitation"
    plain = Writer(Language(Broken(), "nl"), html=False).fill("%(moderator)s created an invitation", moderator="<ada>")
    assert plain == "<ada> created an invitation"
