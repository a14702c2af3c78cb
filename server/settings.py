"""Typed settings, read once at start-up from the environment and an optional moot.toml.

No other module reads the environment: everything receives a `Settings` (or the part it needs).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from models.config import DEFAULT_SQLITE_BUSY_TIMEOUT_MS

DEFAULT_LISTEN = "127.0.0.1:8080"
DEFAULT_DATABASE_URL = "sqlite://data/moot.sqlite3"
# How long a claimed queue row stays its worker's between renewals (federation/leases.py renews every third).
DEFAULT_QUEUE_LEASE_SECONDS = 120
# The shortest lease accepted: three times the longest network wait one step of queue work makes (a fetch or an
# SMTP command, 15 s; a delivery's POST, 10 s), so even a renewal held up by one such wait lands in time.
MIN_QUEUE_LEASE_SECONDS = 45


class SettingsError(ValueError):
    """A setting has a value Moot cannot use; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    base_url: str
    listen: str = DEFAULT_LISTEN
    database_url: str = DEFAULT_DATABASE_URL
    data_dir: Path = Path("data")
    allow_private_addresses: bool = False
    instance_name: str = "Moot"
    instance_description: str = "A Moot community server."
    # Workers run inside `moot serve` unless a separate `moot worker` process does the work.
    run_workers: bool = True
    delivery_concurrency: int = 32
    # At most this many deliveries in flight to one remote host, so one big server is not hammered.
    delivery_per_host: int = 8
    # Threads that sign deliveries (RSA releases the GIL, so they use every core); 0: one per core.
    signing_threads: int = 0
    # Seconds a claimed queue row stays its worker's; a live worker renews it every third of this, and the rows of
    # a worker that died are taken up again once it runs out.
    queue_lease_seconds: int = DEFAULT_QUEUE_LEASE_SECONDS
    # Milliseconds a SQLite statement waits for a lock another process holds (PRAGMA busy_timeout).
    sqlite_busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS
    # Inbox rate limits: activities per second (a burst of 20 seconds' worth is allowed); 0 turns one off.
    inbox_rate_per_actor: float = 10.0
    inbox_rate_per_domain: float = 100.0
    # The largest image file a person may upload (avatars, headers, attachments), in bytes.
    media_max_bytes: int = 8 * 1024 * 1024
    # Outgoing mail (password resets, notifications); no SMTP host means the server sends no mail.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None  # default: "<instance name> <noreply@<host>>"
    smtp_security: str = "starttls"  # starttls, tls (implicit, port 465) or none (a relay on loopback)
    # GET /metrics answers only with this token (Bearer or ?token=); without one, /metrics is 404.
    metrics_token: str | None = None
    # Where uploads live: local (MOOT_DATA_DIR/media) or s3 (S3-compatible object storage, the MOOT_S3_* settings).
    media_storage: str = "local"
    s3_endpoint: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_public_url: str | None = None  # when set, public media (avatars, headers, logos) link straight there
    log_format: str = "text"  # text or json (one object a line)
    log_level: str = "INFO"
    # Where this server's source code is (the instance APIs' source_url, NodeInfo 2.1's software.repository);
    # none is shown when unset (the project publishes no repository URL of its own yet).
    source_url: str | None = None
    # Finished deliveries and fan-outs are deleted after this many days (failed ones after 30 at least);
    # their counts stay in the delivery rollup that instance insights read.
    queue_retention_days: int = 7
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def host(self) -> str:
        """The host[:port] every local id uses; also the WebFinger domain."""
        return urlsplit(self.base_url).netloc

    @property
    def listen_host(self) -> str:
        return self.listen.rsplit(":", 1)[0].strip("[]")

    @property
    def listen_port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])

    def with_overrides(self, **changes: Any) -> "Settings":
        return replace(self, **changes)


_ENV_NAMES = {
    "base_url": "MOOT_BASE_URL",
    "listen": "MOOT_LISTEN",
    "database_url": "MOOT_DATABASE_URL",
    "data_dir": "MOOT_DATA_DIR",
    "allow_private_addresses": "MOOT_ALLOW_PRIVATE_ADDRESSES",
    "instance_name": "MOOT_INSTANCE_NAME",
    "instance_description": "MOOT_INSTANCE_DESCRIPTION",
    "run_workers": "MOOT_RUN_WORKERS",
    "delivery_concurrency": "MOOT_DELIVERY_CONCURRENCY",
    "delivery_per_host": "MOOT_DELIVERY_PER_HOST",
    "signing_threads": "MOOT_SIGNING_THREADS",
    "queue_lease_seconds": "MOOT_QUEUE_LEASE_SECONDS",
    "sqlite_busy_timeout_ms": "MOOT_SQLITE_BUSY_TIMEOUT_MS",
    "inbox_rate_per_actor": "MOOT_INBOX_RATE_PER_ACTOR",
    "inbox_rate_per_domain": "MOOT_INBOX_RATE_PER_DOMAIN",
    "media_max_bytes": "MOOT_MEDIA_MAX_BYTES",
    "smtp_host": "MOOT_SMTP_HOST",
    "smtp_port": "MOOT_SMTP_PORT",
    "smtp_username": "MOOT_SMTP_USERNAME",
    "smtp_password": "MOOT_SMTP_PASSWORD",
    "smtp_from": "MOOT_SMTP_FROM",
    "smtp_security": "MOOT_SMTP_SECURITY",
    "metrics_token": "MOOT_METRICS_TOKEN",
    "media_storage": "MOOT_MEDIA_STORAGE",
    "s3_endpoint": "MOOT_S3_ENDPOINT",
    "s3_bucket": "MOOT_S3_BUCKET",
    "s3_region": "MOOT_S3_REGION",
    "s3_access_key": "MOOT_S3_ACCESS_KEY",
    "s3_secret_key": "MOOT_S3_SECRET_KEY",
    "s3_public_url": "MOOT_S3_PUBLIC_URL",
    "log_format": "MOOT_LOG_FORMAT",
    "log_level": "MOOT_LOG_LEVEL",
    "source_url": "MOOT_SOURCE_URL",
    "queue_retention_days": "MOOT_QUEUE_RETENTION_DAYS",
}


def _parse_bool(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be 0 or 1, got {raw!r}")


def _parse_int(name: str, raw: Any) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None


def _parse_rate(name: str, raw: Any) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a number of activities per second (0 for no limit), got {raw!r}") from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative, got {raw!r}")
    return value


def _parse_positive(name: str, raw: Any) -> int:
    value = _parse_int(name, raw)
    if value <= 0:
        raise SettingsError(f"{name} must be more than 0, got {raw!r}")
    return value


def _parse_lease(raw: Any) -> int:
    name = _ENV_NAMES["queue_lease_seconds"]
    value = _parse_int(name, raw)
    if value < MIN_QUEUE_LEASE_SECONDS:
        raise SettingsError(f"{name} must be at least {MIN_QUEUE_LEASE_SECONDS} seconds (three times the longest "
                            f"network wait of queue work), got {raw!r}")
    return value


def _parse_busy_timeout(raw: Any) -> int:
    name = _ENV_NAMES["sqlite_busy_timeout_ms"]
    value = _parse_int(name, raw)
    if value < 0:
        raise SettingsError(f"{name} must be a number of milliseconds, 0 or more, got {raw!r}")
    return value


def _validate_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise SettingsError(f"MOOT_BASE_URL must be an http(s) URL like https://moot.example, got {url!r}")
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise SettingsError(f"MOOT_BASE_URL must not have a path, query or fragment, got {url!r}")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _validate_listen(listen: str) -> str:
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise SettingsError(f"MOOT_LISTEN must look like 127.0.0.1:8080, got {listen!r}")
    return listen


def load_settings(env: Mapping[str, str] | None = None, toml_path: Path | None = None) -> Settings:
    """Build settings: defaults < moot.toml < environment."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {}
    toml_file = toml_path or Path(env.get("MOOT_CONFIG", "moot.toml"))
    if toml_file.is_file():
        with toml_file.open("rb") as handle:
            try:
                raw.update(tomllib.load(handle))
            except tomllib.TOMLDecodeError as exc:
                raise SettingsError(f"{toml_file} is not valid TOML: {exc}") from None
    known = {f.name for f in fields(Settings)}
    unknown = set(raw) - known
    if unknown:
        raise SettingsError(f"{toml_file} has unknown settings: {', '.join(sorted(unknown))}")
    for attr, name in _ENV_NAMES.items():
        if name in env:
            raw[attr] = env[name]
    listen = _validate_listen(str(raw.get("listen", DEFAULT_LISTEN)))
    base_url = str(raw.get("base_url") or "").strip() or f"http://{listen}"
    data_dir = Path(str(raw.get("data_dir") or "data"))
    return Settings(
        base_url=_validate_base_url(base_url),
        listen=listen,
        database_url=str(raw.get("database_url") or f"sqlite://{data_dir}/moot.sqlite3"),
        data_dir=data_dir,
        allow_private_addresses=_parse_bool(_ENV_NAMES["allow_private_addresses"], raw.get("allow_private_addresses", False)),
        instance_name=str(raw.get("instance_name", "Moot")),
        instance_description=str(raw.get("instance_description", Settings.instance_description)),
        run_workers=_parse_bool(_ENV_NAMES["run_workers"], raw.get("run_workers", True)),
        delivery_concurrency=_parse_int(_ENV_NAMES["delivery_concurrency"], raw.get("delivery_concurrency", 32)),
        delivery_per_host=_parse_positive(_ENV_NAMES["delivery_per_host"], raw.get("delivery_per_host", 8)),
        signing_threads=_parse_int(_ENV_NAMES["signing_threads"], raw.get("signing_threads", 0)),
        queue_lease_seconds=_parse_lease(raw.get("queue_lease_seconds", DEFAULT_QUEUE_LEASE_SECONDS)),
        sqlite_busy_timeout_ms=_parse_busy_timeout(raw.get("sqlite_busy_timeout_ms", DEFAULT_SQLITE_BUSY_TIMEOUT_MS)),
        inbox_rate_per_actor=_parse_rate(_ENV_NAMES["inbox_rate_per_actor"], raw.get("inbox_rate_per_actor", 10)),
        inbox_rate_per_domain=_parse_rate(_ENV_NAMES["inbox_rate_per_domain"], raw.get("inbox_rate_per_domain", 100)),
        media_max_bytes=_parse_positive(_ENV_NAMES["media_max_bytes"],
                                        raw.get("media_max_bytes", Settings.media_max_bytes)),
        smtp_host=_optional_text(raw.get("smtp_host")),
        smtp_port=_parse_positive(_ENV_NAMES["smtp_port"], raw.get("smtp_port", 587)),
        smtp_username=_optional_text(raw.get("smtp_username")),
        smtp_password=_optional_text(raw.get("smtp_password")),
        smtp_from=_optional_text(raw.get("smtp_from")),
        smtp_security=_parse_smtp_security(raw.get("smtp_security", "starttls")),
        metrics_token=_optional_text(raw.get("metrics_token")),
        **_media_storage(raw),
        log_format=_parse_choice("MOOT_LOG_FORMAT", raw.get("log_format", "text"), ("text", "json")),
        log_level=_parse_choice("MOOT_LOG_LEVEL", raw.get("log_level", "INFO"),
                                ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")).upper(),
        source_url=_parse_source_url(raw.get("source_url")),
        queue_retention_days=_parse_positive(_ENV_NAMES["queue_retention_days"], raw.get("queue_retention_days", 7)),
    )


def _parse_source_url(raw: Any) -> str | None:
    """MOOT_SOURCE_URL: an http(s) URL, or nothing."""
    url = _optional_text(raw)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2048:
        raise SettingsError(f"MOOT_SOURCE_URL must be an http(s) URL like https://example.org/moot, got {url!r}")
    return url


def _parse_choice(name: str, raw: Any, choices: tuple[str, ...]) -> str:
    value = str(raw).strip()
    if value.lower() not in {choice.lower() for choice in choices}:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return value.lower() if choices[0].islower() else value.upper()


def _optional_text(raw: Any) -> str | None:
    text = str(raw).strip() if raw is not None else ""
    return text or None


def _parse_smtp_security(raw: Any) -> str:
    value = str(raw).strip().lower()
    if value not in ("starttls", "tls", "none"):
        raise SettingsError(f"MOOT_SMTP_SECURITY must be starttls, tls or none, got {raw!r}")
    return value


def _media_storage(raw: Mapping[str, Any]) -> dict[str, Any]:
    """MOOT_MEDIA_STORAGE and, for s3, the MOOT_S3_* settings it needs (a clear error for any missing)."""
    storage = _parse_choice("MOOT_MEDIA_STORAGE", raw.get("media_storage", "local"), ("local", "s3"))
    values = {attr: _optional_text(raw.get(attr)) for attr in
              ("s3_endpoint", "s3_bucket", "s3_access_key", "s3_secret_key", "s3_public_url")}
    if storage == "s3":
        missing = [_ENV_NAMES[attr] for attr in ("s3_endpoint", "s3_bucket", "s3_access_key", "s3_secret_key")
                   if not values[attr]]
        if missing:
            raise SettingsError(f"MOOT_MEDIA_STORAGE is s3 but {', '.join(missing)} "
                                f"{'is' if len(missing) == 1 else 'are'} not set")
    for attr in ("s3_endpoint", "s3_public_url"):
        url = values[attr]
        if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
            raise SettingsError(f"{_ENV_NAMES[attr]} must be an http(s) URL, got {url!r}")
    return {"media_storage": storage, "s3_region": _optional_text(raw.get("s3_region")) or "us-east-1", **values}
