"""The instance's promotion policy and the daily cap per person, stored as instance settings."""
from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from federation import modlog
from federation.instance_settings import get_setting, put_setting
from federation.promotions import PromotionError
from models.actors import Actor

PROMOTION_POLICY = "promotion_policy"
PROMOTION_DAILY_CAP = "promotion_daily_cap"
OFF = "off"
APPROVAL = "approval"
OPEN = "open"
POLICIES = (OFF, APPROVAL, OPEN)
DEFAULT_POLICY = APPROVAL
DEFAULT_DAILY_CAP = 3
MAX_DAILY_CAP = 50  # the error sentences below name it


@dataclass(frozen=True)
class PromotionPolicy:
    mode: str
    daily_cap: int

    @property
    def is_off(self) -> bool:
        return self.mode == OFF


async def current_policy() -> PromotionPolicy:
    mode = await get_setting(PROMOTION_POLICY, DEFAULT_POLICY)
    cap = await get_setting(PROMOTION_DAILY_CAP, DEFAULT_DAILY_CAP)
    return PromotionPolicy(
        mode=mode if mode in POLICIES else DEFAULT_POLICY,
        daily_cap=cap if isinstance(cap, int) and not isinstance(cap, bool) and 0 <= cap <= MAX_DAILY_CAP
        else DEFAULT_DAILY_CAP,
    )


async def set_policy(admin: Actor | None, *, mode: str, daily_cap: int, reason: str = "") -> PromotionPolicy:
    """Store the admin's choice; one modlog entry names what changed."""
    if mode not in POLICIES:
        raise PromotionError("Choose a promotion policy from the list.")
    if not 0 <= daily_cap <= MAX_DAILY_CAP:
        raise PromotionError("The daily number per person is a whole number from 0 to 50.")
    before = await current_policy()
    changed = []
    async with in_transaction():
        if before.mode != mode:
            await put_setting(PROMOTION_POLICY, mode)
            changed.append(PROMOTION_POLICY)
        if before.daily_cap != daily_cap:
            await put_setting(PROMOTION_DAILY_CAP, daily_cap)
            changed.append(PROMOTION_DAILY_CAP)
        if changed:
            await modlog.record("instance.settings", moderator=admin, target=", ".join(changed), reason=reason,
                                public=False)
    return PromotionPolicy(mode=mode, daily_cap=daily_cap)
