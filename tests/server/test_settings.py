"""Settings: defaults, moot.toml, the environment, and clear errors."""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from federation.delivery import DELIVERY_TIMEOUT_SECONDS
from federation.http import SafeHttpClient
from federation.mail import SMTP_TIMEOUT_SECONDS
from federation.queue import DEFAULT_LEASE
from server.settings import (
    DEFAULT_QUEUE_LEASE_SECONDS, MIN_QUEUE_LEASE_SECONDS, SettingsError, load_settings,
)


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings({}, toml_path=tmp_path / "absent.toml")
    assert settings.listen == "127.0.0.1:8080"
    assert settings.base_url == "http://127.0.0.1:8080"
    assert settings.database_url == "sqlite://data/moot.sqlite3"
    assert settings.allow_private_addresses is False


def test_environment_overrides_toml(tmp_path: Path) -> None:
    toml = tmp_path / "moot.toml"
    toml.write_text('base_url = "https://toml.example"\ninstance_name = "From TOML"\n')
    settings = load_settings({"MOOT_BASE_URL": "https://env.example/", "MOOT_ALLOW_PRIVATE_ADDRESSES": "1"}, toml)
    assert settings.base_url == "https://env.example"
    assert settings.host == "env.example"
    assert settings.instance_name == "From TOML"
    assert settings.allow_private_addresses is True


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MOOT_BASE_URL": "moot.example"}, "MOOT_BASE_URL"),
        ({"MOOT_BASE_URL": "https://moot.example/path"}, "path"),
        ({"MOOT_LISTEN": "8080"}, "MOOT_LISTEN"),
        ({"MOOT_ALLOW_PRIVATE_ADDRESSES": "maybe"}, "MOOT_ALLOW_PRIVATE_ADDRESSES"),
    ],
)
def test_bad_values_are_named(env: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env, toml_path=tmp_path / "absent.toml")


def test_unknown_toml_keys_are_refused(tmp_path: Path) -> None:
    toml = tmp_path / "moot.toml"
    toml.write_text('base_ulr = "https://typo.example"\n')
    with pytest.raises(SettingsError, match="base_ulr"):
        load_settings({}, toml)


def test_queue_lease_and_sqlite_busy_timeout(tmp_path: Path) -> None:
    defaults = load_settings({}, toml_path=tmp_path / "absent.toml")
    assert defaults.queue_lease_seconds == DEFAULT_LEASE.total_seconds() == 120
    assert defaults.sqlite_busy_timeout_ms == 15000
    toml = tmp_path / "moot.toml"
    toml.write_text("queue_lease_seconds = 600\nsqlite_busy_timeout_ms = 30000\n")
    assert load_settings({}, toml).queue_lease_seconds == 600
    assert load_settings({}, toml).sqlite_busy_timeout_ms == 30000
    env = {"MOOT_QUEUE_LEASE_SECONDS": "90", "MOOT_SQLITE_BUSY_TIMEOUT_MS": "0"}
    assert (load_settings(env, toml).queue_lease_seconds, load_settings(env, toml).sqlite_busy_timeout_ms) == (90, 0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MOOT_QUEUE_LEASE_SECONDS": "10"}, r"MOOT_QUEUE_LEASE_SECONDS must be at least 45 seconds .*'10'"),
        ({"MOOT_QUEUE_LEASE_SECONDS": "2m"}, "MOOT_QUEUE_LEASE_SECONDS must be a whole number"),
        ({"MOOT_SQLITE_BUSY_TIMEOUT_MS": "-1"}, "MOOT_SQLITE_BUSY_TIMEOUT_MS must be a number of milliseconds"),
        ({"MOOT_SQLITE_BUSY_TIMEOUT_MS": "15s"}, "MOOT_SQLITE_BUSY_TIMEOUT_MS must be a whole number"),
    ],
)
def test_bad_lease_and_busy_timeout(env: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env, toml_path=tmp_path / "absent.toml")


def test_the_lease_floor_outlasts_the_queue_works_network_waits() -> None:
    """The floor is three times the longest single wait a step of queue work makes, as its comment says."""
    total_timeout = inspect.signature(SafeHttpClient.__init__).parameters["total_timeout"].default
    longest = max(DELIVERY_TIMEOUT_SECONDS, SMTP_TIMEOUT_SECONDS, total_timeout)
    assert MIN_QUEUE_LEASE_SECONDS >= 3 * longest
    assert DEFAULT_QUEUE_LEASE_SECONDS >= MIN_QUEUE_LEASE_SECONDS
