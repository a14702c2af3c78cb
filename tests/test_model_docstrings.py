"""Model docstrings become SQL table comments, and the migration runner splits SQL on semicolons: a semicolon
in a docstring breaks `moot migrate` on a fresh database. Caught here, before a migration is generated."""
from __future__ import annotations

import importlib
import inspect

from tortoise.models import Model

from models.config import MODEL_MODULES


def test_no_model_docstring_has_a_semicolon() -> None:
    offenders = []
    for module_name in MODEL_MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Model) and value.__module__ == module_name:
                if ";" in (value.__doc__ or ""):
                    offenders.append(f"{module_name}.{name}")
    assert not offenders, f"semicolons in model docstrings: {offenders}"
