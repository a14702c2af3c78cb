"""The ceiling for inbox intake: a bare aiohttp handler on the same machine, with the same load generator.

The handler does only the work no inbox can skip, written here with `aiohttp` and `cryptography` alone (none
of Moot's code): read the body, check the Digest, parse the Signature header, parse the JSON, verify the RSA
signature with a key already parsed (a cache hit), and answer 202. `--mode hello` answers 202 without
looking at the request: the HTTP stack alone. Each server process is a subprocess of its own; with
--processes N they share the port (SO_REUSEPORT), as `moot serve --processes N` does. The load generator
runs in --generators processes of its own. On a 2-core machine the server and the generator share the
cores: say so next to every figure.

    .venv/bin/python bench/ceiling_bench.py [--requests 10000] [--concurrency 64] [--processes 1] [--generators 2]

inbox_bench.py runs this ceiling in the same run as Moot and prints the ratio. Everything stays on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Sequence

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from benchlib import (
    LoadResult, fire_from_processes, free_port, load_average, percentile, positive, run_benchmark, say,
    tree_cpu_seconds,
)

_PARAM = re.compile(r'(\w+)="([^"]*)"')
ACCEPTED = json.dumps({"status": "accepted"}).encode()
MODES = ("verify", "hello")


# --- the bare server (runs in its own process: `ceiling_bench.py --serve`) -------------------------


def bare_app(mode: str, keys: dict[str, rsa.RSAPublicKey]) -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=202, body=ACCEPTED, content_type="application/json")

    async def verify(request: web.Request) -> web.Response:
        body = await request.read()
        headers = request.headers
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        if headers.get("Digest") != digest:
            return web.Response(status=401, text="digest")
        params = dict(_PARAM.findall(headers.get("Signature", "")))
        key = keys.get(params.get("keyId", ""))
        if key is None:
            return web.Response(status=401, text="key")
        lines = [f"(request-target): {request.method.lower()} {request.raw_path}" if name == "(request-target)"
                 else f"{name}: {headers.get(name, '')}" for name in params.get("headers", "date").split()]
        activity = json.loads(body)
        if not isinstance(activity, dict) or not activity.get("actor"):
            return web.Response(status=400, text="activity")
        try:
            key.verify(base64.b64decode(params.get("signature", "")), "\n".join(lines).encode(),
                       padding.PKCS1v15(), hashes.SHA256())
        except Exception:
            return web.Response(status=401, text="signature")
        return web.Response(status=202, body=ACCEPTED, content_type="application/json")

    app = web.Application()
    app.router.add_post("/inbox", verify if mode == "verify" else hello)
    app.router.add_get("/ready", lambda request: hello(request))
    return app


def serve(port: int, mode: str, keys_file: Path) -> None:
    keys: dict[str, rsa.RSAPublicKey] = {}
    for key_id, pem in json.loads(keys_file.read_text()).items():
        key = serialization.load_pem_public_key(pem.encode())
        assert isinstance(key, rsa.RSAPublicKey)
        keys[key_id] = key
    web.run_app(bare_app(mode, keys), host="127.0.0.1", port=port, print=None, access_log=None, reuse_port=True)


# --- driving it ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CeilingResult:
    mode: str
    processes: int
    load: LoadResult
    server_cpu: float | None
    load_average: str

    @property
    def accepted_per_second(self) -> float:
        return self.load.statuses.get(202, 0) / self.load.elapsed


@asynccontextmanager
async def bare_servers(mode: str, processes: int, keys: dict[str, str], workdir: Path) -> AsyncIterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """`processes` bare servers sharing one port; yields the inbox URL and the processes."""
    keys_file = workdir / "ceiling-keys.json"
    keys_file.write_text(json.dumps(keys))
    port = free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", "--port", str(port), "--mode", mode,
               "--keys", str(keys_file)]
    children = [subprocess.Popen(command, start_new_session=True) for _ in range(processes)]
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 30
            while True:
                try:
                    async with session.get(f"http://127.0.0.1:{port}/ready") as response:
                        if response.status == 202:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                if time.monotonic() > deadline or any(child.poll() is not None for child in children):
                    raise RuntimeError("the bare ceiling server did not start")
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.3 if processes > 1 else 0)  # let every process reach listen()
        yield f"http://127.0.0.1:{port}/inbox", children
    finally:
        for child in children:
            child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


async def measure_ceiling(mode: str, processes: int, keys: dict[str, str], requests: Sequence[tuple[bytes, dict[str, str]]],
                          concurrency: int, generators: int, workdir: Path) -> CeilingResult:
    """Time the requests against the bare server; requests must be signed for {url}/inbox on any port
    (the bare handler checks the path, not the Host)."""
    async with bare_servers(mode, processes, keys, workdir) as (url, children):
        before = [tree_cpu_seconds(child.pid) for child in children]
        result = await asyncio.to_thread(fire_from_processes, url, requests, concurrency, generators)
        after = [tree_cpu_seconds(child.pid) for child in children]
        cpu = None if None in before or None in after else sum(a - b for a, b in zip(after, before))  # type: ignore[operator]
        return CeilingResult(mode, processes, result, cpu, load_average())


def describe(result: CeilingResult, label: str) -> list[str]:
    load = result.load
    lines = [f"{label}: {result.accepted_per_second:,.0f} accepted/s ({load.statuses.get(202, 0):,} of "
             f"{sum(load.statuses.values()):,} in {load.elapsed:.2f} s; {result.processes} server process(es)); "
             f"{result.load_average}"]
    if load.latencies:
        lines.append(f"  latency p50 {percentile(load.latencies, 0.5) * 1000:.1f} ms, "
                     f"p99 {percentile(load.latencies, 0.99) * 1000:.1f} ms")
    cpu = "n/a" if result.server_cpu is None else (
        f"{result.server_cpu:.2f} s ({result.server_cpu / max(1, load.statuses.get(202, 0)) * 1e6:.0f} µs a request)")
    lines.append(f"  CPU: server {cpu}; load generators {load.generator_cpu:.2f} s")
    if set(load.statuses) - {202}:
        lines.append(f"  NOT 202: {load.statuses}; e.g. {load.sample_errors}")
    return lines


# --- standalone run --------------------------------------------------------------------------------


def _signed(key: rsa.RSAPrivateKey, key_id: str, number: int) -> tuple[bytes, dict[str, str]]:
    from email.utils import formatdate

    body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "id": f"https://r.example/a/{number}",
                       "type": "Create", "actor": "https://r.example/users/a",
                       "object": {"id": f"https://r.example/n/{number}", "type": "Note",
                                  "content": "<p>" + "The quick brown fox. " * 60 + "</p>"}}).encode()
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    date = formatdate(usegmt=True)
    text = f"(request-target): post /inbox\nhost: r.example\ndate: {date}\ndigest: {digest}"
    signature = base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    return body, {"Host": "r.example", "Date": date, "Digest": digest, "Content-Type": "application/activity+json",
                  "Signature": f'keyId="{key_id}",algorithm="rsa-sha256",headers="(request-target) host date digest",'
                               f'signature="{signature}"'}


async def run(args: argparse.Namespace) -> bool:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_id = "https://r.example/users/a#main-key"
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    say(f"signing {args.requests:,} requests; {load_average()}")
    requests = [_signed(key, key_id, number) for number in range(args.requests)]
    ok = True
    with tempfile.TemporaryDirectory(prefix="moot-ceiling-") as tmp:
        for mode in MODES:
            result = await measure_ceiling(mode, args.processes, {key_id: pem}, requests, args.concurrency,
                                           args.generators, Path(tmp))
            for line in describe(result, f"bare handler ({mode})"):
                say(line)
            ok = ok and result.load.statuses.get(202, 0) == args.requests
    return ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=positive, default=10000)
    parser.add_argument("--concurrency", type=positive, default=64)
    parser.add_argument("--processes", type=positive, default=1, help="server processes sharing the port")
    parser.add_argument("--generators", type=positive, default=2, help="load generator processes")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=MODES, default="verify", help=argparse.SUPPRESS)
    parser.add_argument("--keys", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        serve(args.port, args.mode, args.keys)
        return 0
    return run_benchmark(run, args)


if __name__ == "__main__":
    sys.exit(main())
