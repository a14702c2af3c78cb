"""Shared fixtures: real Moot instances on loopback, a fake remote server, and queue driving.

The suite runs on SQLite, and also on PostgreSQL when MOOT_TEST_DATABASE_URL names a server
(e.g. postgres://postgres@127.0.0.1:54329/postgres); every test using `moot` then runs once per engine.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer, unused_port
from tortoise.context import TortoiseContext

from federation.context import FederationContext
from federation.local_actors import create_page, create_token, create_user
from federation.work import drain
from models.actors import Actor
from server import keys
from server.app import create_app
from server.database import activate, apply_migrations
from server.settings import Settings
from tests.smtp import MailCatcher
from tests.fakeremote import FakeRemote

POSTGRES_URL = os.environ.get("MOOT_TEST_DATABASE_URL", "")
ENGINES = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


# --- keys -----------------------------------------------------------------------------------

KEY_POOL_SIZE = 64


@pytest.fixture(scope="session", autouse=True)
def rsa_key_pool() -> Iterator[None]:
    """Real RSA-2048 keys, made once and handed out in turn: generating one per actor took most of the
    suite's time. Within a test the first 64 actors get distinct keys, which is all any test uses."""
    import itertools

    import federation.local_actors
    import tests.fakeremote
    from federation.signatures import generate_rsa_keypair

    pool = itertools.cycle([generate_rsa_keypair() for _ in range(KEY_POOL_SIZE)])
    originals = (federation.local_actors.generate_rsa_keypair, tests.fakeremote.generate_rsa_keypair)
    federation.local_actors.generate_rsa_keypair = lambda: next(pool)  # type: ignore[assignment]
    tests.fakeremote.generate_rsa_keypair = lambda: next(pool)  # type: ignore[assignment]
    yield
    federation.local_actors.generate_rsa_keypair, tests.fakeremote.generate_rsa_keypair = originals


# --- databases ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for every instance (migrating each time would be slow)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(apply_migrations(f"sqlite://{path}", progress=lambda _: None))
    return path


def _pg_url(database: str) -> str:
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{database}"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_pg_url("postgres").replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    if not POSTGRES_URL:
        yield None
        return
    name = f"moot_template_{os.getpid()}"
    asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name}"))
    asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
    asyncio.run(apply_migrations(_pg_url(name), progress=lambda _: None))
    yield name
    asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def new_database(
    engine: str, tmp_path: Path, sqlite_template: Path, postgres_template: str | None
) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """Makes a fresh, migrated database per call; returns its URL."""
    created: list[str] = []

    async def make() -> str:
        if engine == "sqlite":
            path = tmp_path / f"moot-{uuid.uuid4().hex[:8]}.sqlite3"
            shutil.copy(sqlite_template, path)
            return f"sqlite://{path}"
        name = f"moot_test_{uuid.uuid4().hex[:12]}"
        await _pg_admin(f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
        created.append(name)
        return _pg_url(name)

    yield make
    for name in created:
        await _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- Moot instances -------------------------------------------------------------------------


@dataclass
class MootInstance:
    """A real Moot server on loopback, with helpers to act on it from a test."""

    server: TestServer
    session: aiohttp.ClientSession

    @property
    def app(self) -> Any:
        return self.server.app

    @property
    def fed(self) -> FederationContext:
        return self.app[keys.FEDERATION]

    @property
    def database(self) -> TortoiseContext:
        return self.app[keys.DATABASE]

    @property
    def base_url(self) -> str:
        return self.fed.base_url

    @property
    def host(self) -> str:
        return self.fed.host

    def use(self) -> "MootInstance":
        """Point ORM calls in this test at this instance's database."""
        activate(self.database)
        return self

    async def drain(self) -> int:
        """Run this instance's queues until nothing is due (run_queues_once, repeated)."""
        self.use()
        return await drain(self.fed)

    async def user(self, name: str, **options: Any) -> tuple[Actor, str]:
        self.use()
        actor = await create_user(self.fed, name, password_hash=None, **options)
        return actor, await create_token(actor)

    async def page(self, name: str, owner: Actor, **options: Any) -> tuple[Actor, str]:
        self.use()
        page = await create_page(self.fed, name, owner=owner, **options)
        return page, await create_token(page)

    async def api(
        self, method: str, path: str, token: str | None = None, json: Any = None, **kwargs: Any
    ) -> tuple[int, Any]:
        headers = {**kwargs.pop("headers", {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        async with self.session.request(method, self.base_url + path, json=json, headers=headers, **kwargs) as resp:
            body = await resp.json(content_type=None) if resp.content_type.endswith("json") else await resp.text()
            return resp.status, body

    async def close(self) -> None:
        if not self.session.closed:
            await self.session.close()
        await self.server.close()

    async def get_ap(self, url: str) -> tuple[int, Any]:
        async with self.session.get(url, headers={"Accept": "application/activity+json"}) as resp:
            if "json" in resp.content_type:
                return resp.status, await resp.json(content_type=None)
            return resp.status, await resp.text()


async def settle(*instances: MootInstance, max_rounds: int = 20) -> None:
    """Drain every instance's queues in turn until none has work due: deliveries from one
    land in another's inbox, whose processing may send more."""
    for _ in range(max_rounds):
        handled = 0
        for instance in instances:
            handled += await instance.drain()
        if handled == 0:
            return
    raise AssertionError("queues did not settle")


@pytest.fixture
async def moot_factory(
    new_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[MootInstance]]]:
    instances: list[MootInstance] = []

    async def make(*, port: int | None = None, database_url: str | None = None, **overrides: Any) -> MootInstance:
        """A new instance; pass the port and database_url of a closed one to restart it."""
        port = port or unused_port()
        # Each instance keeps its files (uploaded media) in the test's own directory.
        options: dict[str, Any] = {"allow_private_addresses": True, "run_workers": False,
                                   "data_dir": tmp_path / f"data-{port}", **overrides}
        settings = Settings(
            base_url=f"http://127.0.0.1:{port}",
            listen=f"127.0.0.1:{port}",
            database_url=database_url or await new_database(),
            **options,
        )
        server = TestServer(create_app(settings), host="127.0.0.1", port=port)
        await server.start_server()
        instance = MootInstance(server=server, session=aiohttp.ClientSession())
        instances.append(instance)
        return instance.use()

    yield make
    for instance in instances:
        await instance.close()


@pytest.fixture
async def moot(moot_factory: Callable[..., Awaitable[MootInstance]]) -> MootInstance:
    return await moot_factory()


@pytest.fixture
def smtp() -> Iterator[MailCatcher]:
    """A real SMTP server on loopback; start an instance with `moot_factory(**smtp.settings)` to mail it."""
    catcher = MailCatcher().start()
    yield catcher
    catcher.stop()


@pytest.fixture
async def remote() -> AsyncIterator[FakeRemote]:
    fake = await FakeRemote().start()
    yield fake
    await fake.close()
