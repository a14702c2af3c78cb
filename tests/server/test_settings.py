"""Settings: defaults, moot.toml, the environment, and clear errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import SettingsError, load_settings


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
