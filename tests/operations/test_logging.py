"""Logs: one line per request and per queue item outcome; JSON lines parse and carry the fields."""
from __future__ import annotations

import io
import json
import logging
from typing import Iterator

import pytest

from server.logging_setup import JsonFormatter, make_handler
from server.settings import SettingsError, load_settings
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.federation.test_mastodon_remote import page_with_followers


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = make_handler("json", stream)
    loggers = [logging.getLogger("moot.access"), logging.getLogger("moot.queue")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield stream
    for logger, level in zip(loggers, levels):
        logger.removeHandler(handler)
        logger.setLevel(level)


async def test_request_and_queue_lines_as_json(moot: MootInstance, remote: FakeRemote, json_log: io.StringIO) -> None:
    page, token, _ = await page_with_followers(moot, remote, "hana")
    await moot.api("GET", f"/api/v1/accounts/{page.id}")
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "moot.access"]
    items = [line for line in lines if line["logger"] == "moot.queue"]
    assert {"method": "POST", "route": "actor_inbox", "status": 202} in [
        {key: line[key] for key in ("method", "route", "status")} for line in requests]
    assert any(line["route"] == "api_account" and line["status"] == 200 for line in requests)
    assert all(isinstance(line["ms"], float) and line["level"] == "INFO" and line["time"].endswith("+00:00")
               for line in requests)
    inbox = [line for line in items if line["queue"] == "inbox"]
    assert inbox and inbox[0]["outcome"] == "applied" and inbox[0]["host"] == remote.host
    deliveries = [line for line in items if line["queue"] == "delivery"]
    assert deliveries and deliveries[0]["outcome"] == "delivered" and deliveries[0]["host"] == remote.host
    assert all(isinstance(line["item_id"], int) for line in inbox + deliveries)


def test_text_and_json_formats() -> None:
    record = logging.LogRecord("moot.queue", logging.WARNING, __file__, 1, "delivery %s %s", (7, "failed"), None)
    record.queue, record.outcome = "delivery", "failed"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "delivery 7 failed" and line["level"] == "WARNING" and line["queue"] == "delivery"
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert "ValueError: boom" in json.loads(JsonFormatter().format(record))["exception"]


def test_log_settings() -> None:
    settings = load_settings({"MOOT_LOG_FORMAT": "JSON", "MOOT_LOG_LEVEL": "warning", "MOOT_METRICS_TOKEN": " t "},
                             toml_path=None)
    assert (settings.log_format, settings.log_level, settings.metrics_token) == ("json", "WARNING", "t")
    assert load_settings({}).log_format == "text" and load_settings({}).metrics_token is None
    with pytest.raises(SettingsError, match="MOOT_LOG_FORMAT"):
        load_settings({"MOOT_LOG_FORMAT": "xml"})
    with pytest.raises(SettingsError, match="MOOT_LOG_LEVEL"):
        load_settings({"MOOT_LOG_LEVEL": "loud"})
