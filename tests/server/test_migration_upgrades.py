"""Migrations must apply to a database that already holds rows, not only to the empty one the tests start from.

A column added to an existing table as NOT NULL needs a default in the database itself (`db_default`):
SQLite refuses "Cannot add a NOT NULL column with default value NULL" as soon as the table has a row, and
PostgreSQL refuses to fill existing rows with NULL. The tests' databases are migrated while empty, so only
this check catches it before an admin's upgrade does.
"""
from __future__ import annotations

import importlib
import pkgutil

import models.migrations


def _add_field_operations() -> list[tuple[str, object]]:
    found = []
    for info in sorted(pkgutil.iter_modules(models.migrations.__path__), key=lambda module: module.name):
        migration = importlib.import_module(f"models.migrations.{info.name}").Migration
        found += [(info.name, op) for op in migration.operations if type(op).__name__ == "AddField"]
    return found


def test_every_column_added_to_an_existing_table_can_fill_its_rows() -> None:
    operations = _add_field_operations()
    assert len(operations) > 10  # the check sees the migrations it is meant to
    unfillable = [f"{name}: {op.model_name}.{op.name}" for name, op in operations  # type: ignore[attr-defined]
                  if not op.field.null and not op.field.has_db_default()]  # type: ignore[attr-defined]
    assert unfillable == [], "give these fields a db_default (and the same in the model): " + ", ".join(unfillable)
