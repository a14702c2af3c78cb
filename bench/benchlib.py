"""Shared pieces of the benchmarks: the machine, a throwaway database, a Moot server in a subprocess.

Everything here talks to loopback only. The Moot server runs as `python -m server.cli serve` in its
own process, so the load generator in the benchmark process does not share its event loop or GIL.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence, TypeVar
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the packages are installed editable, but a plain checkout works too
    sys.path.insert(0, str(REPO))

from server.database import activate, apply_migrations, open_database  # noqa: E402 (after the path fix above)

SERVER_START_TIMEOUT = 60.0
SERVER_STOP_TIMEOUT = 15.0
_SYNCHRONOUS_NAMES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def stop_on_signals() -> None:
    """Ctrl+C and `kill` both stop a run cleanly: the Moot subprocess is stopped and temporary
    files removed. (A shell starts background jobs with SIGINT ignored; undo that too.)"""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)


def say(message: str) -> None:
    """Progress and results go to stdout at once, so a long phase shows it is alive."""
    print(message, flush=True)


# --- the machine ------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_total() -> str:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:  # not Linux: say so rather than guess
        return "unknown"
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite")


def sqlite_path(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite://").split("?", 1)[0])


def _sqlite_synchronous(database_url: str) -> str:
    """The synchronous mode Moot's connection will run with: the URL's, else SQLite's default."""
    query = dict(part.split("=", 1) for part in urlsplit(database_url).query.split("&") if "=" in part)
    if "synchronous" in query:
        return query["synchronous"].upper()
    with sqlite3.connect(sqlite_path(database_url)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")  # tortoise sets WAL; its default may differ
        value = connection.execute("PRAGMA synchronous").fetchone()[0]
    return _SYNCHRONOUS_NAMES.get(value, str(value))


async def _postgres_description(database_url: str) -> str:
    import asyncpg

    connection = await asyncpg.connect(_asyncpg_url(database_url))
    try:
        version = await connection.fetchval("SHOW server_version")
        fsync = await connection.fetchval("SHOW fsync")
        commit = await connection.fetchval("SHOW synchronous_commit")
    finally:
        await connection.close()
    return f"PostgreSQL {version} (fsync={fsync}, synchronous_commit={commit})"


async def engine_description(database_url: str) -> str:
    if is_sqlite(database_url):
        return f"SQLite {sqlite3.sqlite_version} file, WAL, synchronous={_sqlite_synchronous(database_url)}"
    return await _postgres_description(database_url)


def machine_lines(engine: str) -> list[str]:
    import aiohttp as aiohttp_module
    import cryptography
    import tortoise

    return [
        f"CPU:       {cpu_model()}",
        f"cores:     {os.cpu_count()} (usable by this process: {len(os.sched_getaffinity(0))})",
        f"RAM:       {memory_total()}",
        f"OS:        {platform.system()} {platform.release()}",
        f"Python:    {platform.python_version()} ({platform.python_implementation()})",
        f"SQLite:    {sqlite3.sqlite_version}",
        f"database:  {engine}",
        (f"libraries: aiohttp {aiohttp_module.__version__}, tortoise-orm {tortoise.__version__}, "
         f"cryptography {cryptography.__version__}"),
    ]


def print_machine(engine: str) -> None:
    say("machine")
    for line in machine_lines(engine):
        say(f"  {line}")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and all its threads, from /proc (None off Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields 14 and 15 of stat (utime, stime) are at 11 and 12 once pid and comm are cut off.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class MachineCpu:
    """Machine-wide CPU seconds from /proc/stat: busy (all processes) and stolen by the hypervisor."""

    busy: float
    steal: float

    @staticmethod
    def now() -> "MachineCpu | None":
        try:
            first = Path("/proc/stat").read_text().splitlines()[0].split()
        except OSError:
            return None
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in first[1:9])
        tick = os.sysconf("SC_CLK_TCK")
        return MachineCpu(busy=(user + nice + system + irq + softirq) / tick, steal=steal / tick)

    def since(self, earlier: "MachineCpu") -> "MachineCpu":
        return MachineCpu(busy=self.busy - earlier.busy, steal=self.steal - earlier.steal)


def cpu_report(elapsed: float, server: float | None, client: float, machine: MachineCpu | None,
               server_label: str = "moot server") -> list[str]:
    """Lines saying who used the CPU while timing, so a figure limited by something else shows it."""
    def share(seconds: float) -> str:
        return f"{seconds:.2f} s ({seconds / elapsed:.0%} of one core)"

    lines = [f"{server_label} {'n/a' if server is None else share(server)}; this process {share(client)}"]
    if machine is not None:
        others = machine.busy - (server or 0.0) - client
        lines.append(f"whole machine busy {share(machine.busy)} of {os.cpu_count()} cores; "
                     f"other processes (a local PostgreSQL too) {share(max(0.0, others))}; "
                     f"hypervisor steal {share(machine.steal)}")
    return lines


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not sorted_values:
        return float("nan")
    rank = math.ceil(fraction * len(sorted_values)) - 1
    return sorted_values[max(0, min(len(sorted_values) - 1, rank))]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


# --- a throwaway database -----------------------------------------------------------------------


def _asyncpg_url(database_url: str) -> str:
    return "postgresql://" + database_url.split("://", 1)[1]


async def _pg_execute(admin_url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_asyncpg_url(admin_url))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def throwaway_database(database_url: str | None, workdir: Path) -> AsyncIterator[str]:
    """A new, migrated database; yields its URL and removes it afterwards.

    None: a SQLite file in workdir. sqlite://PATH: that file, which must not exist yet.
    postgres://...: a new database bench_<random> on that server (created through the database the
    URL names), dropped at the end.
    """
    if database_url is None or is_sqlite(database_url):
        url = database_url or f"sqlite://{workdir / 'bench.sqlite3'}"
        if sqlite_path(url).exists():
            raise SystemExit(f"{sqlite_path(url)} exists; the benchmark needs a database it can fill and throw away")
        await apply_migrations(url, progress=lambda _: None)
        yield url
        return
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"--database-url must be sqlite://PATH or postgres://..., got {database_url!r}")
    name = f"moot_bench_{uuid.uuid4().hex[:10]}"
    url = str(URL(database_url).with_path(f"/{name}"))
    await _pg_execute(database_url, f"CREATE DATABASE {name}")
    try:
        await apply_migrations(url, progress=lambda _: None)
        yield url
    finally:
        await _pg_execute(database_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@asynccontextmanager
async def database_session(database_url: str) -> AsyncIterator[None]:
    """The ORM pointed at the database, for setting it up or checking it (never while timing)."""
    context = await open_database(database_url)
    activate(context)
    try:
        yield
    finally:
        await context.close_connections()


# --- Moot in a subprocess ---------------------------------------------------------------------


@dataclass
class MootProcess:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def cpu_seconds(self) -> float | None:
        return process_cpu_seconds(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(no log: {exc})"


def moot_environment(
    base_url: str, database_url: str, workdir: Path, run_workers: bool, extra: Mapping[str, str]
) -> dict[str, str]:
    listen = base_url.removeprefix("http://")
    env = dict(os.environ)
    env.update(
        MOOT_BASE_URL=base_url,
        MOOT_LISTEN=listen,
        MOOT_DATABASE_URL=database_url,
        MOOT_DATA_DIR=str(workdir / "data"),
        MOOT_ALLOW_PRIVATE_ADDRESSES="1",  # every peer is on loopback
        MOOT_RUN_WORKERS="1" if run_workers else "0",
        MOOT_CONFIG=str(workdir / "no-moot.toml"),  # never pick up a moot.toml from the checkout
    )
    env.update(extra)
    return env


async def _wait_ready(moot: MootProcess, path: str = "/.well-known/nodeinfo", what: str = "moot serve") -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if moot.process.poll() is not None:
                raise RuntimeError(f"{what} exited with {moot.process.returncode}:\n{moot.log_tail()}")
            try:
                async with session.get(f"{moot.base_url}{path}") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass  # not listening yet
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{what} did not answer within {SERVER_START_TIMEOUT:.0f} s:\n{moot.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # aiohttp's run_app shuts down cleanly on SIGINT
    try:
        process.wait(timeout=SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@asynccontextmanager
async def moot_server(
    base_url: str, database_url: str, workdir: Path, *, run_workers: bool, extra_env: Mapping[str, str] | None = None,
    serve_args: Sequence[str] = (), launcher: Sequence[str] = ("-m", "server.cli"),
) -> AsyncIterator[MootProcess]:
    """`moot serve --no-migrate` on base_url (http://127.0.0.1:PORT); its log goes to workdir/moot.log.
    extra_env: more MOOT_* settings for this run; serve_args: more arguments (e.g. --processes 2);
    launcher: what python runs instead of `-m server.cli` (e.g. a script that wraps the CLI in a profiler)."""
    log_path = workdir / "moot.log"
    env = moot_environment(base_url, database_url, workdir, run_workers, extra_env or {})
    process = spawn_moot(["serve", "--no-migrate", *serve_args], env, log_path, launcher)
    moot = MootProcess(base_url=base_url, process=process, log_path=log_path)
    try:
        await _wait_ready(moot)
        yield moot
    finally:
        await asyncio.to_thread(_stop, process)


def spawn_moot(args: Sequence[str], env: Mapping[str, str], log_path: Path,
               launcher: Sequence[str] = ("-m", "server.cli")) -> subprocess.Popen[bytes]:
    """Start `moot ARGS` (through `python LAUNCHER`), its output appended to log_path."""
    with log_path.open("ab") as log:
        # A session of its own: Ctrl+C reaches only this process, which then stops Moot in order.
        return subprocess.Popen([sys.executable, *launcher, *args], cwd=REPO, env=dict(env), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)


@asynccontextmanager
async def moot_workers(count: int, base_url: str, database_url: str, workdir: Path, *,
                       extra_env: Mapping[str, str] | None = None, worker_args: Sequence[str] = (),
                       name: str = "worker") -> AsyncIterator[list[MootProcess]]:
    """`count` `moot worker [WORKER_ARGS]` processes for the Moot at base_url (PostgreSQL: they share the queues
    through SKIP LOCKED), each answering /readyz and /metrics on a port of its own (its MootProcess.base_url),
    with its log in workdir/NAME{N}.log; yielded once every one is ready (its queue loop has taken a turn)."""
    env = moot_environment(base_url, database_url, workdir, False, extra_env or {})
    workers: list[MootProcess] = []
    try:
        for number in range(1, count + 1):
            listen = f"127.0.0.1:{free_port()}"
            log_path = workdir / f"{name}{number}.log"
            workers.append(MootProcess(f"http://{listen}",
                                       spawn_moot(["worker", "--listen", listen, *worker_args], env, log_path),
                                       log_path))
        for number, worker in enumerate(workers, 1):
            await _wait_ready(worker, "/readyz", f"moot worker {number}")
        yield workers
    finally:
        await asyncio.gather(*(asyncio.to_thread(_stop, worker.process) for worker in workers))


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def run_benchmark(run: Callable[[argparse.Namespace], Awaitable[bool]], args: argparse.Namespace) -> int:
    """Run a benchmark's coroutine: exit status 0 when its checks passed, 1 when not, 130 on Ctrl+C."""
    stop_on_signals()
    try:
        return 0 if asyncio.run(run(args)) else 1
    except KeyboardInterrupt:
        say("interrupted; the Moot server was stopped and the temporary database removed")
        return 130


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    """Run a `moot` command (set-up before the timed phase); its output is shown when it fails."""
    command = [sys.executable, "-m", "server.cli", *args]
    done = subprocess.run(command, check=False, cwd=REPO, env=env, input=stdin, capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"moot {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}")


# --- process trees and load generators in their own processes --------------------------------------


def child_pids(pid: int) -> list[int]:
    """Every descendant of pid (Linux /proc), e.g. the extra processes of `moot serve --processes N`."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds of a process and its live descendants (None off Linux)."""
    own = process_cpu_seconds(pid)
    if own is None:
        return None
    return own + sum(process_cpu_seconds(child) or 0.0 for child in child_pids(pid))


@dataclass(frozen=True)
class LoadResult:
    """What the load generator processes saw: every answer's status and latency, and the wall time."""

    statuses: dict[int | str, int]
    latencies: list[float]  # seconds, sorted
    elapsed: float
    generator_cpu: float  # CPU seconds of all generator processes together
    sample_errors: list[str]


def _generator_main(url: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int, ready: "object",
                    start: "object", results: "object") -> None:
    """One load generator process: connect, wait for the start signal, POST its share, report back."""
    asyncio.run(_generate(url, requests, concurrency, ready, start, results))


async def _generate(url: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int, ready: "object",
                    start: "object", results: "object") -> None:
    statuses: dict[int | str, int] = {}
    latencies: list[float] = []
    errors: list[str] = []
    pending = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)  # keep-alive, one connection per lane
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        ready.set()  # type: ignore[attr-defined]
        await asyncio.to_thread(start.wait)  # type: ignore[attr-defined]
        cpu_before, began = time.process_time(), time.perf_counter()

        async def lane() -> None:
            for body, headers in pending:
                sent = time.perf_counter()
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        text = await response.read()
                        status: int | str = response.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status, text = type(exc).__name__, str(exc).encode()
                latencies.append(time.perf_counter() - sent)
                statuses[status] = statuses.get(status, 0) + 1
                if status != 202 and len(errors) < 3:
                    errors.append(f"{status}: {text[:200]!r}")

        await asyncio.gather(*(lane() for _ in range(concurrency)))
        ended = time.perf_counter()
    results.put((statuses, latencies, began, ended, time.process_time() - cpu_before, errors))  # type: ignore[attr-defined]


def fire_from_processes(url: str, requests: Sequence[tuple[bytes, dict[str, str]]], concurrency: int,
                        generators: int) -> LoadResult:
    """POST every request from `generators` processes of their own (concurrency split between them), so
    the load generator shares neither the server's process nor the benchmark's; all start together.
    Blocking: call it with asyncio.to_thread."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    ready = [context.Event() for _ in range(generators)]
    start, results = context.Event(), context.Queue()
    shares = [list(requests[index::generators]) for index in range(generators)]
    lanes = [max(1, concurrency // generators + (1 if index < concurrency % generators else 0))
             for index in range(generators)]
    processes = [context.Process(target=_generator_main, args=(url, share, lane, flag, start, results), daemon=True)
                 for share, lane, flag in zip(shares, lanes, ready)]
    for process in processes:
        process.start()
    try:
        for flag in ready:
            if not flag.wait(SERVER_START_TIMEOUT):
                raise RuntimeError("a load generator process did not start")
        start.set()
        reports = [results.get(timeout=600) for _ in processes]
    finally:
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
    statuses: dict[int | str, int] = {}
    latencies: list[float] = []
    errors: list[str] = []
    for counts, lats, _began, _ended, _cpu, errs in reports:
        for status, count in counts.items():
            statuses[status] = statuses.get(status, 0) + count
        latencies.extend(lats)
        errors.extend(errs)
    elapsed = max(r[3] for r in reports) - min(r[2] for r in reports)
    return LoadResult(statuses, sorted(latencies), elapsed, sum(r[4] for r in reports), errors[:3])


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


# --- counting SQL statements ------------------------------------------------------------------

SQL_VERBS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"})


class StatementCounter(logging.Handler):
    """Counts the SQL statements tortoise logs (its `tortoise.db_client` logger, at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        words = str(record.msg if not record.args else record.args[0]).split(None, 1)
        if words and words[0].upper() in SQL_VERBS:
            self.count += 1


Counting = TypeVar("Counting", bound=StatementCounter)


@contextmanager
def counting_sql(counter: Counting) -> Iterator[Counting]:
    """Count the statements tortoise runs inside the block with `counter`; the logger is left as it was."""
    log = logging.getLogger("tortoise.db_client")
    level, propagate = log.level, log.propagate
    log.addHandler(counter)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    try:
        yield counter
    finally:
        log.removeHandler(counter)
        log.setLevel(level)
        log.propagate = propagate
