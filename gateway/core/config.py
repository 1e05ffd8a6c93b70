"""Settings, read from the environment once and checked at start-up."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_INSTANCE = Path.cwd() / "instance"


class ConfigError(RuntimeError):
    """A required setting is missing or wrong; the message says what to do."""


def _instance_secret(instance: Path, name: str, create: bool) -> str | None:
    """Local secrets for the embedded set-up, kept in the instance folder (mode 0600)."""
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    if not create:
        return None
    instance.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _count(name: str, raw: Any) -> int:
    try:
        value = int(str(raw or "0").strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number of proxies (0, 1, 2...), not {raw!r}") \
            from None
    if not 0 <= value <= 10:
        raise ConfigError(f"{name} must be between 0 and 10")
    return value


def _milliseconds(name: str, raw: Any, default: float) -> float:
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number of milliseconds") from None
    if not 0 <= value <= 50:
        raise ConfigError(f"{name} must be between 0 and 50")
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    subject_key: bytes  # pepper for subject refs: keep it outside the database
    public_base_url: str | None = None
    twilio_auth_token: str | None = None
    meta_app_secret: str | None = None
    meta_verify_token: str | None = None
    graph_api_base: str = "https://graph.facebook.com/v21.0"
    twilio_api_base: str | None = None
    # Ed25519 key signing ledger checkpoints and receipts (PEM, base64 or hex of 32 bytes);
    # older public keys stay trusted for old checkpoints after a rotation.
    ledger_signing_key: str | None = None
    ledger_trusted_keys: tuple[str, ...] = ()
    webhook_allow_private: bool = False  # dev/on-premises: http and private addresses
    # Reverse proxies in front of the gateway that set X-Forwarded-For/-Proto/-Host: their
    # headers are believed for that many hops, and never when it is 0 (gunicorn exposed).
    trusted_proxies: int = 0
    instance_path: Path = DEFAULT_INSTANCE
    max_json_bytes: int = 1 << 20
    max_bulk_bytes: int = 256 << 20
    # How long a busy chain's next batch waits to gather more concurrent captures
    # (gateway/store/group_commit.py); an idle one never waits.
    group_commit_window_ms: float = 1.0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, *,
             create_local_secrets: bool = False) -> Settings:
        """Environment first, then ``overrides`` (tests); fail clearly on what is missing."""
        env: dict[str, Any] = {k: v for k, v in os.environ.items()}
        env.update({k: v for k, v in (overrides or {}).items() if v is not None})
        instance = Path(env.get("INSTANCE_PATH") or DEFAULT_INSTANCE)
        url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'optin-gateway.db'}"
        # A local SQLite set-up may keep its own secrets; a shared database may not, since
        # every process must use the same keys.
        local = url.startswith("sqlite") and (create_local_secrets or
                                              (instance / "secret_key").exists())
        secret = env.get("SECRET_KEY") or (
            _instance_secret(instance, "secret_key", create_local_secrets) if local else None)
        subject = env.get("SUBJECT_KEY") or (
            _instance_secret(instance, "subject_key", create_local_secrets) if local else None)
        missing = [name for name, value in (("SECRET_KEY", secret), ("SUBJECT_KEY", subject))
                   if not value]
        if missing:
            raise ConfigError(
                f"{' and '.join(missing)} not set. Set them in the environment (each a long "
                "random string, the same for every gateway process), or run "
                "`optin-gateway demo` once for a local SQLite set-up.")
        assert secret and subject
        ledger_key = env.get("LEDGER_SIGNING_KEY") or (
            _instance_secret(instance, "ledger_signing_key", create_local_secrets) if local
            else None)
        return cls(
            database_url=url,
            secret_key=secret,
            subject_key=subject.encode(),
            public_base_url=(env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
            meta_app_secret=env.get("META_APP_SECRET") or None,
            meta_verify_token=env.get("META_VERIFY_TOKEN") or None,
            graph_api_base=env.get("GRAPH_API_BASE") or cls.graph_api_base,
            twilio_api_base=env.get("TWILIO_API_BASE") or None,
            ledger_signing_key=ledger_key or None,
            ledger_trusted_keys=tuple(k for k in str(env.get("LEDGER_TRUSTED_KEYS") or "")
                                      .split(",") if k.strip()),
            webhook_allow_private=str(env.get("WEBHOOK_ALLOW_PRIVATE") or "").lower()
            in ("1", "true", "yes"),
            trusted_proxies=_count("TRUSTED_PROXIES", env.get("TRUSTED_PROXIES")),
            group_commit_window_ms=_milliseconds("GROUP_COMMIT_WINDOW_MS",
                                                 env.get("GROUP_COMMIT_WINDOW_MS"),
                                                 cls.group_commit_window_ms),
            instance_path=instance,
            extra={k: v for k, v in (overrides or {}).items()},
        )
