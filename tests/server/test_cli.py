"""The moot command: --help everywhere, and the account commands against a real database."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from aiohttp.test_utils import unused_port

from server.cli import build_parser, main

COMMANDS = [[], ["serve"], ["worker"], ["migrate"], ["user"], ["user", "create"], ["page"], ["page", "create"],
            ["token"], ["token", "create"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "moot")
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: moot" in capsys.readouterr().out


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOOT_DATABASE_URL", f"sqlite://{tmp_path}/cli.sqlite3")
    monkeypatch.setenv("MOOT_BASE_URL", "https://moot.example")
    return tmp_path


def test_user_page_and_token(env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["migrate"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery\n"))
    assert main(["user", "create", "ada", "--admin", "--password-stdin"]) == 0
    assert "Created admin user @ada@moot.example" in capsys.readouterr().out
    assert main(["page", "create", "bakery", "--owner", "ada", "--display-name", "The Bakery",
                 "--category", "Bakery", "--field", "Phone=+31 20 123"]) == 0
    assert "https://moot.example/pages/bakery" in capsys.readouterr().out
    assert main(["token", "create", "bakery"]) == 0
    token = capsys.readouterr().out.strip()
    assert len(token) >= 40 and " " not in token


def test_clear_errors(env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["migrate"]) == 0
    capsys.readouterr()
    assert main(["page", "create", "bakery", "--owner", "ghost"]) == 2
    assert "no local user named 'ghost'" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["user", "create", "ada", "--password-stdin"]) == 2
    assert "at least 8 characters" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["user", "create", "Bad Name"]) == 2
    assert "not a valid name" in capsys.readouterr().err
    assert main(["token", "create", "nobody"]) == 2
    monkeypatch.setenv("MOOT_BASE_URL", "ftp://nope")
    assert main(["migrate"]) == 2
    assert "MOOT_BASE_URL" in capsys.readouterr().err


def test_serve_starts_and_answers(tmp_path: Path) -> None:
    port = unused_port()
    env = {**os.environ, "MOOT_LISTEN": f"127.0.0.1:{port}", "MOOT_DATA_DIR": str(tmp_path / "data"),
           "MOOT_DATABASE_URL": f"sqlite://{tmp_path}/data/moot.sqlite3"}
    moot = Path(sys.executable).with_name("moot")
    process = subprocess.Popen([str(moot), "serve"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        body = _wait_for(f"http://127.0.0.1:{port}/.well-known/nodeinfo", process)
        assert "nodeinfo" in body
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "No admin account yet" in output and "moot user create" in output
    assert f"Open http://127.0.0.1:{port}/setup in a browser" in output


# `moot serve` first migrates its new database: ~15 s of CPU for the nineteen migrations (tortoise rebuilds its
# model state per operation), several times that on a loaded machine. A start-up wait, not a timed assertion.
def _wait_for(url: str, process: subprocess.Popen[str], timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"moot serve exited: {process.communicate()[0]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.1)  # waiting for a subprocess to listen; not a timed assertion
    raise AssertionError(f"{url} did not answer within {timeout}s")


def test_admin_commands(env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["migrate"]) == 0
    assert main(["admin", "domain", "set", "spam.example", "suspend"]) == 2
    assert "no admin account yet" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery\n"))
    assert main(["user", "create", "ada", "--admin", "--password-stdin"]) == 0
    assert main(["admin", "domain", "set", "spam.example", "suspend", "--public-reason", "spam"]) == 0
    assert main(["admin", "rule", "add", "crypto giveaway", "--action", "hold"]) == 0
    assert main(["admin", "rule", "add", "(", "--regex", "--action", "reject"]) == 2
    assert "regular expression" in capsys.readouterr().err
    assert main(["admin", "rule", "list"]) == 0
    assert main(["admin", "domain", "list"]) == 0
    out = capsys.readouterr().out
    assert "crypto giveaway" in out and "spam.example\tsuspend" in out
    assert main(["admin", "modlog"]) == 0
    log = capsys.readouterr().out
    assert "domain.suspend" in log and "ada@" in log and "rule" in log
    assert "ada suspended spam.example" in log  # the sentence, for people
