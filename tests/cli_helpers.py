"""Running `moot` commands against a running test instance's database, as an admin's shell would."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from server import keys
from server.cli import main as cli_main
from tests.conftest import MootInstance


@pytest.fixture
def cli_env(moot: MootInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI opens its own connection to the running instance's database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOOT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MOOT_DATABASE_URL", moot.app[keys.SETTINGS].database_url)
    monkeypatch.setenv("MOOT_BASE_URL", moot.base_url)
    monkeypatch.setenv("MOOT_ALLOW_PRIVATE_ADDRESSES", "1")


async def cli(moot: MootInstance, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `moot ARGV` (it runs its own event loop, so in a thread); returns (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = await asyncio.to_thread(cli_main, list(argv))
    out, err = capsys.readouterr()
    moot.use()
    return code, out, err
