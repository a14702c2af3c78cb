"""Canaries of the community activities (polls, events, Q&A, check-ins, draws) in the leak suite's private group.

Each activity adds a builder to BUILDERS. A builder makes its content in the private group `vault` (or in
narrow audiences) through the API as its insiders, and returns what no outsider may see: canary post ids,
extra canary strings, and values for the path parameters of its routes (e.g. {"poll_id": ["3"]}).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Awaitable, Callable

from models.actors import Actor
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote


@dataclass
class ActivityWorld:
    moot: MootInstance
    group: Actor  # the private group "vault"
    remote: FakeRemote  # where rob, a remote member of vault, lives
    tokens: dict[str, str]  # API tokens: olga (owner), mia (member), dora (outside), finn, rita


@dataclass
class Canaries:
    post_ids: list[int] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    params: dict[str, list[str]] = field(default_factory=dict)


Builder = Callable[[ActivityWorld], Awaitable[Canaries]]

from tests.privacy.canaries_polls import build as polls_canaries  # noqa: E402 (after the classes it uses)
from tests.privacy.canaries_draws import build as draws_canaries  # noqa: E402
from tests.privacy.canaries_checkins import build as checkins_canaries  # noqa: E402
from tests.privacy.canaries_answers import build as answers_canaries  # noqa: E402
from tests.privacy.canaries_events import build as events_canaries  # noqa: E402
from tests.privacy.canaries_subgroups import build as subgroups_canaries  # noqa: E402
from tests.privacy.canaries_essentials import build as essentials_canaries  # noqa: E402
from tests.privacy.canaries_search import build as search_canaries  # noqa: E402
from tests.privacy.canaries_members import build as members_canaries  # noqa: E402
from tests.privacy.canaries_joining import build as joining_canaries  # noqa: E402
from tests.privacy.canaries_notifications import build as notifications_canaries  # noqa: E402
from tests.privacy.canaries_promotions import build as promotions_canaries  # noqa: E402
from tests.privacy.canaries_group_insights import build as group_insights_canaries  # noqa: E402
from tests.privacy.canaries_accounts import build as accounts_canaries  # noqa: E402
from tests.privacy.canaries_clientapi import build as clientapi_canaries  # noqa: E402

BUILDERS: list[Builder] = [
    # One line per activity: from tests.privacy.canaries_<activity> import build ...
    polls_canaries,
    draws_canaries,
    checkins_canaries,
    answers_canaries,
    events_canaries,
    subgroups_canaries,
    essentials_canaries,
    search_canaries,
    members_canaries,
    joining_canaries,
    notifications_canaries,
    promotions_canaries,
    group_insights_canaries,
    accounts_canaries,
    clientapi_canaries,
]
