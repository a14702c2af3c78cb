"""The short chaos run (bench/chaos_run.py): real `moot serve` and `moot worker` processes killed with SIGKILL
while signed activities arrive and a page fans out; every activity answered 202 must be applied exactly
once, every delivery must arrive, the queues must drain. On SQLite (one worker) and on PostgreSQL (two
workers) when MOOT_TEST_DATABASE_URL is set."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Awaitable, Callable

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from benchlib import database_session  # noqa: E402 (bench/ is not a package)
from server.database import apply_migrations  # noqa: E402
from chaos import ChaosConfig, Planner, Remote, SendStats  # noqa: E402
from chaos_checks import verdict  # noqa: E402
from chaos_run import run_chaos  # noqa: E402


async def test_chaos_short(engine: str, new_database: Callable[[], Awaitable[str]], tmp_path: Path) -> None:
    lines: list[str] = []
    database_url = await new_database()
    await apply_migrations(database_url, progress=lambda _: None)  # the template may predate a new migration
    cfg = ChaosConfig(
        database_url=database_url, workdir=tmp_path, activities=160, inboxes=20, kills=3,
        workers=2 if engine == "postgres" else 1, seed=7, senders=5, page_posts=2, kill_gap=1.0, lease=10.0,
        concurrency=8, drain_timeout=150.0, say=lines.append)
    passed = await run_chaos(cfg)
    report = "\n".join(lines)
    assert passed, report
    assert "SIGKILL serve" in report and "SIGKILL worker1" in report, report
    assert "ok   fan-out: 40 of 40" in report, report


async def test_the_checks_catch_a_lost_activity(new_database: Callable[[], Awaitable[str]], engine: str) -> None:
    """The verdict fails when an activity the sender saw answered 202 left no trace (the checks can fail)."""
    if engine != "sqlite":
        pytest.skip("the checker is engine-independent; once is enough")
    remote = Remote(fanout_hosts=["127.0.1.1"], port=1)
    remote.add_senders(1)
    sender = next(iter(remote.senders.values()))
    planner = Planner(__import__("random").Random(1), "t", "http://moot.test/groups/g", "http://moot.test/groups/g/inbox",
                      "http://moot.test/pages/p/inbox")
    lost = planner.create(sender)
    lines: list[str] = []
    async with database_session(await new_database()):
        result = await verdict([lost], group_id=1, page_posts=["http://moot.test/pages/p/1"], remote=remote,
                               stats=SendStats(accepted=1, attempts=1), say=lines.append)
    assert result.failures == ["inbox rows", "posts", "group relays", "fan-out"], "\n".join(lines)
