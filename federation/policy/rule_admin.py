"""Adding and removing content rules, for the instance (admins) or one group (its moderators), logged."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from federation import modlog
from federation.policy.rules import RuleError, validate
from models.actors import Actor
from models.moderation import ContentRule

if TYPE_CHECKING:
    from federation.context import FederationContext

MAX_PATTERN = 500
MAX_NOTE = 1000


def parse_targets(raw: Any) -> list[str]:
    """Targets as clients send them: a list, or one comma-separated string; none means the text."""
    if not raw:
        return ["text"]
    items: Iterable[Any] = raw.split(",") if isinstance(raw, str) else raw
    return [str(item).strip() for item in items if str(item).strip()] or ["text"]


async def add_rule(
    ctx: "FederationContext", moderator: Actor | None, group: Actor | None, *, pattern: str, is_regex: bool,
    action: str, targets: Iterable[str], note: str = "", reason: str = "",
) -> ContentRule:
    """A new enabled rule; the caller has checked that `moderator` may manage rules of `group` (None: instance)."""
    if len(pattern) > MAX_PATTERN:
        raise RuleError(f"a pattern has at most {MAX_PATTERN} characters")
    chosen = validate(pattern, is_regex, action, targets)
    row = await ContentRule.create(group=group, pattern=pattern, is_regex=is_regex, action=action, targets=chosen,
                                   note=note[:MAX_NOTE])
    ctx.rules.invalidate()
    await modlog.record("rule.added", moderator=moderator, target=f"rule {row.id}: {action} {pattern!r}", group=group,
                        reason=reason, public=False, rule_id=row.id)
    return row


async def remove_rule(
    ctx: "FederationContext", moderator: Actor | None, group: Actor | None, rule_id: int, *, reason: str = "",
) -> bool:
    """Remove a rule of `group` (of any scope when `group` is None and the caller is an admin)."""
    query = ContentRule.filter(id=rule_id, group=group) if group is not None else ContentRule.filter(id=rule_id)
    row = await query.first()
    if row is None:
        return False
    await ContentRule.filter(id=row.id).delete()
    ctx.rules.invalidate()
    scope = group if group is not None or row.group_id is None else await Actor.filter(id=row.group_id).first()
    await modlog.record("rule.removed", moderator=moderator, target=f"rule {row.id}: {row.action} {row.pattern!r}",
                        group=scope, reason=reason, public=False, rule_id=row.id)
    return True
