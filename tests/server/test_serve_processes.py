"""`moot serve --processes N`: several web processes on one port (SO_REUSEPORT) on PostgreSQL; SQLite says
plainly that it is a one-process engine."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from aiohttp.test_utils import unused_port

from server.cli import main
from tests.conftest import POSTGRES_URL as PG_URL, _pg_admin

REPO = Path(__file__).resolve().parents[2]


def test_sqlite_refuses_several_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOOT_DATABASE_URL", f"sqlite://{tmp_path}/one.sqlite3")
    assert main(["serve", "--processes", "2"]) == 2
    error = capsys.readouterr().err
    assert "SQLite is a one-process engine" in error and "PostgreSQL" in error


def test_a_worker_on_sqlite_runs_but_says_it_adds_no_throughput(tmp_path: Path) -> None:
    """Not refused (one worker beside `moot serve` with MOOT_RUN_WORKERS=0 works), but said plainly."""
    env = {**os.environ, "MOOT_DATABASE_URL": f"sqlite://{tmp_path}/one.sqlite3", "MOOT_DATA_DIR": str(tmp_path),
           "MOOT_CONFIG": str(tmp_path / "none.toml")}
    subprocess.run([sys.executable, "-m", "server.cli", "migrate"], cwd=REPO, env=env, check=True,
                   capture_output=True, timeout=120)
    worker = subprocess.Popen([sys.executable, "-m", "server.cli", "worker", "--only", "delivery"], cwd=REPO,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert worker.stdout is not None and worker.stderr is not None
        assert worker.stdout.readline().startswith("worker running (delivery only)")  # it runs
        warning = worker.stderr.readline()
        assert "SQLite is a one-process engine" in warning and "PostgreSQL" in warning, warning
    finally:
        worker.kill()
        worker.wait(timeout=30)


def _children(pid: int) -> list[int]:
    """Child processes of `pid`, from /proc (no procps needed)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # field 4: the parent's pid
                children.append(int(entry.name))
    return children


@pytest.mark.skipif(not PG_URL, reason="several processes share one database on PostgreSQL only")
async def test_two_processes_share_the_port_on_postgresql(tmp_path: Path) -> None:
    name = f"moot_test_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f"CREATE DATABASE {name}")
    port = unused_port()
    env = {**os.environ, "MOOT_DATABASE_URL": PG_URL.rsplit("/", 1)[0] + f"/{name}",
           "MOOT_LISTEN": f"127.0.0.1:{port}", "MOOT_DATA_DIR": str(tmp_path / "data"),
           "MOOT_CONFIG": str(tmp_path / "none.toml")}
    server = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--processes", "2"], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120  # migrating a new database first; slow on a busy machine
        answered = 0
        while time.monotonic() < deadline and answered < 20:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    answered += response.status == 200
            except OSError:
                time.sleep(0.2)
        assert answered == 20, server.stdout.read1().decode() if server.stdout else ""
        # The first process and one more, both serving on the same port (the second starts a moment later).
        assert _listens(server.pid, port)
        while time.monotonic() < deadline and not [c for c in _children(server.pid) if _listens(c, port)]:
            time.sleep(0.2)
        assert len([c for c in _children(server.pid) if _listens(c, port)]) == 1
    finally:
        server.terminate()
        server.wait(timeout=20)
        await _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _listens(pid: int, port: int) -> bool:
    """Does this process hold a socket listening on the port? (Linux: /proc/<pid>/net/tcp and its fds.)"""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    listening = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # 0A: LISTEN
                listening.add(fields[9])
    return bool(inodes & listening)
