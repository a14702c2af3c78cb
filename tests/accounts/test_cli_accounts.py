"""`moot user password` and `moot user delete` against a real database."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from server.cli import build_parser, main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOOT_DATABASE_URL", f"sqlite://{tmp_path}/cli.sqlite3")
    monkeypatch.setenv("MOOT_BASE_URL", "https://moot.example")
    return tmp_path


@pytest.mark.parametrize("command", [["user", "password"], ["user", "delete"]], ids=" ".join)
def test_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0 and "usage: moot" in capsys.readouterr().out


def test_password_and_delete(env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["migrate"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery\n"))
    assert main(["user", "create", "bob", "--password-stdin"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["user", "password", "bob", "--stdin"]) == 2
    assert "at least 8 characters" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("a new password\n"))
    assert main(["user", "password", "bob", "--stdin"]) == 0
    assert "Changed the password of bob" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO("another one!\n"))
    assert main(["user", "password", "nobody", "--stdin"]) == 2
    assert "no local user named 'nobody'" in capsys.readouterr().err
    assert main(["user", "delete", "bob"]) == 0
    assert "it cannot sign in; its data is removed on" in capsys.readouterr().out
    assert main(["user", "delete", "bob"]) == 2
    assert "already scheduled for deletion" in capsys.readouterr().err
    assert main(["user", "delete", "bob", "--now"]) == 0
    assert "removed its data now" in capsys.readouterr().out
    assert main(["user", "delete", "bob"]) == 2  # the login is gone; the name stays taken
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery\n"))
    assert main(["user", "create", "bob", "--password-stdin"]) == 2
    assert "taken" in capsys.readouterr().err
