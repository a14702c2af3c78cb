"""Instance settings an admin changes at run time, stored as {"value": ...} so any JSON value fits."""
from __future__ import annotations

from typing import Any

from models.moderation import InstanceSetting


async def get_setting(key: str, default: Any) -> Any:
    row = await InstanceSetting.filter(key=key).first()
    if row is None or not isinstance(row.value, dict) or "value" not in row.value:
        return default
    return row.value["value"]


async def put_setting(key: str, value: Any) -> None:
    await InstanceSetting.update_or_create(defaults={"value": {"value": value}}, key=key)
