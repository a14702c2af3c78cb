"""No engine stores a NUL character in text (PostgreSQL refuses it, and one such row fails its whole statement):
every model's text is cleaned before it is saved, whichever path it came by (forms, the API, federation)."""
from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model
from tortoise.signals import pre_save


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    return value


def storable(value: Any) -> Any:
    """`value` with every NUL removed from its text, for a path that writes rows without saving a model."""
    return _clean(value) if _has_nul(value) else value


async def keep_text_storable(sender: type[Model], instance: Model, using_db: Any, update_fields: Any) -> None:
    for name, field in instance._meta.fields_map.items():
        if not isinstance(field, (fields.CharField, fields.TextField, fields.JSONField)):
            continue
        value = getattr(instance, name, None)
        if _has_nul(value):  # a walk, not a JSON dump: this runs on every save
            setattr(instance, name, _clean(value))


_guarded: set[type[Model]] = set()


def guard_models(module_names: list[str]) -> None:
    """Clean text before every save of the models in these modules (each model once, however often called)."""
    import importlib

    found = []
    for module_name in module_names:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Model) and value is not Model \
                    and value.__module__ == module_name and value not in _guarded:
                found.append(value)
    _guarded.update(found)
    if found:
        pre_save(*found)(keep_text_storable)
