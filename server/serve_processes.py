"""`moot serve --processes N`: more web processes on the same port (SO_REUSEPORT), for PostgreSQL.

The kernel spreads new connections over the processes. Each is a full `moot serve` without queue workers
(the first process runs them, and `moot worker` processes can add more); they share the database's queues
and hear each other's new posts and notifications through PostgreSQL (web/streaming/hub.py).
"""
from __future__ import annotations

import multiprocessing
from dataclasses import replace
from multiprocessing.process import BaseProcess

from aiohttp import web

from server.settings import Settings

STOP_SECONDS = 10.0


def _serve(settings: Settings) -> None:
    from server.app import create_app  # imported in the child: a fresh interpreter (spawn)

    web.run_app(create_app(settings), host=settings.listen_host, port=settings.listen_port, print=None,
                reuse_port=True)


def start_serve_processes(settings: Settings, count: int) -> list[BaseProcess]:
    """Start `count` extra web processes (no workers), each listening on the same port."""
    context = multiprocessing.get_context("spawn")
    children = []
    for index in range(count):
        child = context.Process(target=_serve, args=(replace(settings, run_workers=False),),
                                name=f"moot-serve-{index + 2}", daemon=True)
        child.start()
        children.append(child)
    return children


def stop_serve_processes(children: list[BaseProcess]) -> None:
    for child in children:
        if child.is_alive():
            child.terminate()  # SIGTERM: aiohttp shuts down in order
    for child in children:
        child.join(STOP_SECONDS)
        if child.is_alive():
            child.kill()
