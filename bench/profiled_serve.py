"""`moot serve` with a measuring window that the intake profile harness opens and closes by signal.

    python bench/profiled_serve.py OUTDIR {cpu|profile} serve --no-migrate ...

SIGUSR1 opens the window: time.process_time() is read and, in `profile` mode, cProfile starts. SIGUSR2
closes it: OUTDIR/window.json gets the CPU seconds this process used in between, and OUTDIR/profile.pstats
the profile (wall time: its epoll wait is idle time, not cost). cProfile sees only the main thread (the
event loop); aiosqlite's thread shows up in the CPU seconds but not in the profile.
"""
from __future__ import annotations

import cProfile
import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from server.cli import main  # noqa: E402 (after the path fix above)


class Window:
    def __init__(self, outdir: Path, profile: bool) -> None:
        self.outdir = outdir
        self.profiler = cProfile.Profile() if profile else None
        self.started = 0.0

    def open(self, _signum: int, _frame: FrameType | None) -> None:
        self.started = time.process_time()
        if self.profiler is not None:
            self.profiler.enable()

    def close(self, _signum: int, _frame: FrameType | None) -> None:
        cpu = time.process_time() - self.started
        if self.profiler is not None:
            self.profiler.disable()
            self.profiler.dump_stats(self.outdir / "profile.pstats")
        (self.outdir / "window.json").write_text(json.dumps({"cpu_seconds": cpu}))


if __name__ == "__main__":
    outdir, mode, *cli_args = sys.argv[1:]
    window = Window(Path(outdir), mode == "profile")
    signal.signal(signal.SIGUSR1, window.open)
    signal.signal(signal.SIGUSR2, window.close)
    sys.exit(main(cli_args))
