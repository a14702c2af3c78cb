"""What a draw's posts say: the announcement with the commitment, the result with the seed and the winners, and
the cancellation. The posts federate as they are written here (plain text, English, like the rest of what the
server itself writes); pages show the same facts translated, from the Draw row."""
from __future__ import annotations

from datetime import datetime

from federation.activities.draw_algorithm import eligible_digest
from federation.activities.draws_eligibility import Rule, is_group
from models.actors import Actor
from models.draws import ELIGIBLE_ATTENDEES, ELIGIBLE_CHECKINS, Draw

HOW_TO_VERIFY = "/draws/how-to-verify"


def utc_words(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def audit_path(draw_id: int) -> str:
    return f"/draws/{draw_id}/audit.json"


def _who_can_win(host: Actor, eligibility: str, rule: Rule, base_url: str) -> str:
    people = "members of the group" if is_group(host) else f"followers of {host.display_name or host.username}"
    if eligibility == ELIGIBLE_ATTENDEES and rule.event is not None:
        title = " ".join((rule.event.post.name or "the event").split())
        return f"{people} registered for “{title}” ({base_url}/threads/{rule.event.post_id})"
    if eligibility == ELIGIBLE_CHECKINS and rule.series is not None:
        params = rule.params
        return (f"{people} with at least {params['min_checkins']} check-ins in “{rule.series.prompt}” "
                f"from {params['since']} to {params['until']}")
    return f"{people} who reply to or like this post before the deadline"


def title(prize: str) -> str:
    return " ".join(f"Draw: {prize}".split())[:300]


def result_title(prize: str) -> str:
    """The title of the result when it cannot be a reply (its thread is locked)."""
    return " ".join(f"Draw results: {prize}".split())[:300]


def cancelled_title(prize: str) -> str:
    return " ".join(f"Draw cancelled: {prize}".split())[:300]


def announcement(host: Actor, prize: str, winners: int, deadline: datetime, eligibility: str, rule: Rule,
                 commitment: str, description: str, base_url: str) -> str:
    lines = [description.strip(), ""] if description.strip() else []
    if not is_group(host):
        lines += [title(prize), ""]
    lines += [
        f"Prize: {prize}",
        f"Winners: {winners}",
        f"Deadline: {utc_words(deadline)}",
        f"Who can win: {_who_can_win(host, eligibility, rule, base_url)}. Whoever runs the draw cannot win.",
        f"Commitment (SHA-256 of the seed): {commitment}",
        "",
        "At the deadline the secret seed is revealed and the winners are drawn from it, so that anyone can "
        f"check the draw: {base_url}{HOW_TO_VERIFY}",
    ]
    return "\n".join(lines)


def handle(actor: Actor) -> str:
    return f"@{actor.username}@{actor.domain}" if actor.username else (actor.display_name or actor.uri)


def result(draw: Draw, winners: list[Actor], base_url: str) -> str:
    eligible = list(draw.eligible or [])
    lines = [
        f"The draw for {draw.prize} is done.",
        "",
        f"Seed: {draw.seed_hex}",
        f"Commitment published with the draw: {draw.commitment} (the SHA-256 of the seed)",
        f"Eligible people: {len(eligible)}. Their sorted list: {base_url}{audit_path(draw.id)} "
        f"(SHA-256 of the list: {eligible_digest(eligible)})",
    ]
    if not winners:
        lines.append("Nobody was eligible, so nobody wins.")
    else:
        if len(eligible) <= draw.winners_count:
            lines.append("There were no more eligible people than prizes: everyone eligible wins.")
        label = "Winner" if len(winners) == 1 else "Winners"
        lines.append(f"{label}: " + ", ".join(handle(actor) for actor in winners) + ". Congratulations!")
    lines += ["", f"How to check the draw: {base_url}{HOW_TO_VERIFY}"]
    return "\n".join(lines)


def cancellation(draw: Draw, reason: str, base_url: str) -> str:
    eligible = list(draw.eligible or [])
    return "\n".join([
        f"The draw for {draw.prize} is cancelled: {reason}",
        "",
        "Nobody wins. The seed is revealed all the same, so that it can never be used again and anyone can check "
        "the commitment:",
        f"Seed: {draw.seed_hex}",
        f"Eligible people when it was cancelled: {len(eligible)}. Their sorted list: "
        f"{base_url}{audit_path(draw.id)} (SHA-256 of the list: {eligible_digest(eligible)})",
    ])
