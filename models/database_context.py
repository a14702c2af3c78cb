"""Which database the current task uses: several apps in one process each keep their own."""
from __future__ import annotations

from tortoise.context import TortoiseContext


def activate(context: TortoiseContext) -> None:
    """Make `context` the database of the current task (and of tasks it creates from now on).

    Each request handler runs in its own task, so the app's middleware activates it per request;
    two apps in one process (as in the federation tests) then never see each other's database.
    """
    context.__enter__()
