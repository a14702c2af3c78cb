"""Instance settings an admin changes at run time, stored as {"value": ...} so any JSON value fits."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from federation import modlog
from models.actors import Actor
from models.moderation import InstanceSetting

if TYPE_CHECKING:
    from federation.context import FederationContext


async def get_setting(key: str, default: Any) -> Any:
    row = await InstanceSetting.filter(key=key).first()
    if row is None or not isinstance(row.value, dict) or "value" not in row.value:
        return default
    return row.value["value"]


async def put_setting(key: str, value: Any) -> None:
    await InstanceSetting.update_or_create(defaults={"value": {"value": value}}, key=key)


# --- the instance's name, description and rules ---------------------------------------------
# Settings give the start-up values; an admin's changes are stored as overrides and win when set.

INSTANCE_NAME = "instance_name"
INSTANCE_DESCRIPTION = "instance_description"
INSTANCE_RULES = "instance_rules"
# The instance's identity: an accent colour (#rrggbb) and the URLs of its logo and favicon ("" for none).
INSTANCE_ACCENT = "instance_accent"
INSTANCE_LOGO = "instance_logo"
INSTANCE_FAVICON = "instance_favicon"
INFO_KEYS = (INSTANCE_NAME, INSTANCE_DESCRIPTION, INSTANCE_RULES, INSTANCE_ACCENT, INSTANCE_LOGO, INSTANCE_FAVICON)
DEFAULT_ACCENT = "#2f54d1"
ACCENT_PATTERN = re.compile(r"#[0-9a-f]{6}")
INFO_RELOAD_SECONDS = 15.0
MAX_NAME = 100
MAX_DESCRIPTION = 2000
MAX_RULES = 10000


class InstanceInfoError(ValueError):
    """An instance setting cannot take the value given; the message says why."""


@dataclass(frozen=True)
class InstanceInfo:
    name: str
    description: str
    rules: str = ""
    accent: str = DEFAULT_ACCENT
    logo_url: str = ""
    favicon_url: str = ""


class InstanceInfoCache:
    """The current InstanceInfo for every page: read synchronously while rendering, re-read from the
    database at most every INFO_RELOAD_SECONDS (so several processes converge) and at once on a change here."""

    def __init__(self, defaults: InstanceInfo, clock: Callable[[], float] = time.monotonic) -> None:
        self._defaults = defaults
        self._current = defaults
        self._clock = clock
        self._loaded_at = float("-inf")

    @property
    def current(self) -> InstanceInfo:
        return self._current

    async def get(self) -> InstanceInfo:
        if self._clock() - self._loaded_at >= INFO_RELOAD_SECONDS:
            rows = await InstanceSetting.filter(key__in=INFO_KEYS)
            stored = {row.key: row.value["value"] for row in rows
                      if isinstance(row.value, dict) and "value" in row.value}
            self._current = InstanceInfo(
                name=str(stored.get(INSTANCE_NAME) or self._defaults.name),
                description=str(stored.get(INSTANCE_DESCRIPTION, self._defaults.description)),
                rules=str(stored.get(INSTANCE_RULES, self._defaults.rules)),
                accent=_accent_or_default(stored.get(INSTANCE_ACCENT)),
                logo_url=str(stored.get(INSTANCE_LOGO) or ""),
                favicon_url=str(stored.get(INSTANCE_FAVICON) or ""),
            )
            self._loaded_at = self._clock()
        return self._current

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")


def _accent_or_default(value: Any) -> str:
    return value if isinstance(value, str) and ACCENT_PATTERN.fullmatch(value) else DEFAULT_ACCENT


def valid_accent(value: str) -> str:
    """The colour as #rrggbb in lowercase, or InstanceInfoError."""
    colour = value.strip().lower()
    if not ACCENT_PATTERN.fullmatch(colour):
        raise InstanceInfoError("The accent colour must be written as # and six hexadecimal digits, like #2f54d1.")
    return colour


async def update_instance_info(
    ctx: "FederationContext", admin: Actor | None, *, name: str, description: str, rules: str, reason: str = "",
) -> InstanceInfo:
    """Store the admin's name, description and rules; one modlog entry names what changed."""
    name, description, rules = name.strip(), description.strip(), rules.strip()
    if not name:
        raise InstanceInfoError("The instance needs a name.")
    if len(name) > MAX_NAME or len(description) > MAX_DESCRIPTION or len(rules) > MAX_RULES:
        raise InstanceInfoError(f"The name has at most {MAX_NAME} characters, the description {MAX_DESCRIPTION} "
                                f"and the rules {MAX_RULES}.")
    before = await ctx.instance_info.get()
    wanted = {INSTANCE_NAME: name, INSTANCE_DESCRIPTION: description, INSTANCE_RULES: rules}
    changed = [key for key, value in wanted.items() if getattr(before, key.removeprefix("instance_")) != value]
    for key in changed:
        await put_setting(key, wanted[key])
    ctx.instance_info.invalidate()
    if changed:
        await modlog.record("instance.settings", moderator=admin, target=", ".join(changed), reason=reason,
                            public=False)
    return await ctx.instance_info.get()


# Keep the stored logo or favicon as it is.
KEEP = object()


async def update_instance_identity(
    ctx: "FederationContext", admin: Actor | None, *, accent: str, logo_url: Any = KEEP, favicon_url: Any = KEEP,
    reason: str = "",
) -> InstanceInfo:
    """Store the accent colour, and the logo's and favicon's URLs ("" or None removes one, KEEP leaves it);
    one modlog entry names what changed."""
    before = await ctx.instance_info.get()
    wanted: dict[str, str] = {INSTANCE_ACCENT: valid_accent(accent)}
    if logo_url is not KEEP:
        wanted[INSTANCE_LOGO] = str(logo_url or "")
    if favicon_url is not KEEP:
        wanted[INSTANCE_FAVICON] = str(favicon_url or "")
    current = {INSTANCE_ACCENT: before.accent, INSTANCE_LOGO: before.logo_url, INSTANCE_FAVICON: before.favicon_url}
    changed = [key for key, value in wanted.items() if current[key] != value]
    for key in changed:
        await put_setting(key, wanted[key])
    ctx.instance_info.invalidate()
    if changed:
        await modlog.record("instance.settings", moderator=admin, target=", ".join(changed), reason=reason,
                            public=False)
    return await ctx.instance_info.get()
