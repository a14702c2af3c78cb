"""Run a `moot` command with a shorter queue lease than Moot accepts, for the chaos benchmark only.

    python bench/chaos_launch.py LEASE_SECONDS serve --no-migrate
    python bench/chaos_launch.py LEASE_SECONDS worker

A row a killed worker had claimed waits for its lease (MOOT_QUEUE_LEASE_SECONDS, 120 s by default, at least
45) before another worker takes it up again. The chaos run kills workers many times a minute, so it shortens
the lease below that floor to keep its drain bound short; everything else is the unchanged `moot` command.
A live worker renews its rows' leases every third of a lease (federation/leases.py), so the lease must only
outlast the longest the worker's event loop stalls (a batch that holds it, a database lock wait).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    import server.settings

    server.settings.MIN_QUEUE_LEASE_SECONDS = 1  # the benchmark's own choice: see above
    os.environ["MOOT_QUEUE_LEASE_SECONDS"] = str(max(1, round(float(argv[0]))))
    from server.cli import main as moot_main

    return moot_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
