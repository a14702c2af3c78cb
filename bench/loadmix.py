"""The mixed federation load: what to send, and what each activity must end as.

Shared by bench/moderation_load.py (10,000 activities against a real server process) and
tests/moderation/test_mixed_load.py (a smaller run inside the test suite).
"""
from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"

# Each category's expected end: the HTTP answer, then what processing did.
EXPECTED = {
    "ok": "applied",              # stored in the group and relayed
    "suspended": "ignored",       # 202 {"status": "ignored"}, nothing kept
    "limited": "held",            # from a limited domain: held for review
    "rule_reject": "rejected",    # trips a reject rule
    "rule_hold": "held",          # trips a hold rule
    "malformed": "http 400",      # not an activity
    "bad_signature": "http 401",  # signed with the wrong key
}
REJECT_WORD = "zzrejectme"
HOLD_WORD = "zzholdme"


@dataclass
class LoadActor:
    uri: str
    key_id: str
    private_pem: str
    domain_role: str  # "normal", "suspended" or "limited"


@dataclass
class Planned:
    category: str
    activity_id: str
    sender: LoadActor
    body: bytes
    wrong_key: bool = False


@dataclass
class Tally:
    """Where every sent activity ended, by category."""

    ends: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, category: str, end: str) -> None:
        self.ends.setdefault(category, Counter())[end] += 1

    def mismatches(self) -> dict[str, dict[str, int]]:
        return {
            category: dict(counter) for category, counter in self.ends.items()
            if set(counter) != {EXPECTED[category]}
        }


def plan(actors: list[LoadActor], group_uri: str, total: int, seed: int = 7) -> list[Planned]:
    """`total` activities from the actors: most fine, the rest spread over the bad categories."""
    rng = random.Random(seed)
    by_role: dict[str, list[LoadActor]] = {}
    for actor in actors:
        by_role.setdefault(actor.domain_role, []).append(actor)
    weights = {"ok": 55, "suspended": 10, "limited": 10, "rule_reject": 8, "rule_hold": 7, "malformed": 5,
               "bad_signature": 5}
    categories = rng.choices(list(weights), weights=list(weights.values()), k=total)
    planned = []
    for index, category in enumerate(categories):
        role = {"suspended": "suspended", "limited": "limited"}.get(category, "normal")
        sender = rng.choice(by_role[role])
        planned.append(_activity(category, sender, group_uri, index))
    return planned


def _activity(category: str, sender: LoadActor, group_uri: str, index: int) -> Planned:
    base = sender.uri.rsplit("/users/", 1)[0]
    activity_id = f"{base}/activities/{uuid.uuid4().hex}"
    text = {"rule_reject": f"buy {REJECT_WORD} now", "rule_hold": f"please {HOLD_WORD}"}.get(category, f"post {index}")
    doc: dict[str, Any] = {
        "@context": AS, "id": activity_id, "type": "Create", "actor": sender.uri,
        "to": [group_uri, PUBLIC], "cc": [], "audience": group_uri,
        "object": {"id": f"{base}/post/{uuid.uuid4().hex}", "type": "Page", "attributedTo": sender.uri,
                   "name": f"Load {index}", "content": f"<p>{text}</p>", "to": [group_uri, PUBLIC],
                   "audience": group_uri},
    }
    if category == "malformed":
        del doc["actor"]
    return Planned(category, activity_id, sender, json.dumps(doc).encode(), wrong_key=category == "bad_signature")


def http_end(status: int, body: dict[str, Any]) -> str | None:
    """The end decided at the inbox, or None when the activity was stored for processing."""
    if status == 202 and body.get("status") == "ignored":
        return "ignored"
    if status == 202:
        return None
    return f"http {status}"
