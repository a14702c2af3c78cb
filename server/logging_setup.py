"""Logging: plain text lines by default, or one JSON object a line with MOOT_LOG_FORMAT=json.

Requests log one line each (logger `moot.access`: method, route, status, ms) and queue items one line per
outcome (logger `moot.queue`: queue, id, outcome, ms, host); in JSON those fields are keys of their own.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any

# The `extra` fields Moot's own log calls pass, copied into JSON lines as they are.
EXTRA_FIELDS = ("method", "route", "path", "status", "ms", "queue", "item_id", "outcome", "host")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the extra fields, and the
    exception's traceback as text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is logged, not the one there was at set-up (a test
    framework swaps it for a capture that it closes afterwards)."""

    @property
    def stream(self) -> Any:  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def make_handler(log_format: str, stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream) if stream is not None else CurrentStderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(log_format: str = "text", level: str = "INFO", *, verbose: bool = False) -> None:
    """Set the root logger up once for a process (the `moot` command calls this)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        # basicConfig's handler, or ours from an earlier call (a test framework's own handlers stay).
        if type(handler) in (logging.StreamHandler, CurrentStderrHandler):
            root.removeHandler(handler)
    root.addHandler(make_handler(log_format))
    root.setLevel(logging.DEBUG if verbose else getattr(logging, level.upper(), logging.INFO))
    if not verbose:
        # tortoise logs every connection open and close at INFO; aiohttp's access log is replaced by ours.
        logging.getLogger("tortoise").setLevel(logging.WARNING)
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
