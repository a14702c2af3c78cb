"""The privacy tests share one world of canaries (tests/privacy/world.py) and a second fake server."""
from __future__ import annotations

from typing import AsyncIterator

import pytest

from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.privacy.world import World, build_world


@pytest.fixture
async def outsider() -> AsyncIterator[FakeRemote]:
    """A server where no member of the private group lives: whatever reaches it leaked."""
    fake = await FakeRemote().start()
    yield fake
    await fake.close()


@pytest.fixture
async def world(moot: MootInstance, remote: FakeRemote, outsider: FakeRemote) -> World:
    return await build_world(moot, remote, outsider)
