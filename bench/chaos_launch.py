"""Run a `moot` command with a shorter queue lease, for the chaos benchmark only.

    python bench/chaos_launch.py LEASE_SECONDS serve --no-migrate
    python bench/chaos_launch.py LEASE_SECONDS worker

A row a killed worker had claimed waits for its lease (federation/queue.py LEASE, 5 minutes) before
another worker takes it up again. The chaos run kills workers many times a minute, so it shortens the
lease to keep its drain bound short; everything else is the unchanged `moot` command. The lease must
stay longer than the slowest batch a live worker handles, or a live worker's row is claimed twice.
"""
from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    import federation.queue as queue

    queue.LEASE = timedelta(seconds=float(argv[0]))
    defaults = queue.claim.__kwdefaults__
    assert defaults is not None and "lease" in defaults, "federation.queue.claim no longer takes lease="
    defaults["lease"] = queue.LEASE
    from server.cli import main as moot_main

    return moot_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
