"""Shared bench plumbing: a throwaway store, a business, an API key, a gunicorn server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_env(database_url: str | None, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'bench.db'}",
        "SECRET_KEY": "bench-secret", "SUBJECT_KEY": "bench-subject",
        "INSTANCE_PATH": str(workdir / "instance"),
        "TWILIO_AUTH_TOKEN": "bench-twilio-token", "PUBLIC_BASE_URL": "http://127.0.0.1",
        "META_APP_SECRET": "bench-meta-secret", "META_VERIFY_TOKEN": "bench-verify",
    })
    return env


def reset_postgres(url: str) -> None:
    """Empty the bench database's tables so figures start from zero."""
    from sqlalchemy import create_engine, text

    from gateway.store.engine import normalise_url

    engine = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def prepare(env: dict[str, str]) -> dict[str, Any]:
    """Migrate, create the business and an API key; return what the load needs."""
    os.environ.update(env)
    from gateway.app import create_app
    from gateway.cli import setup_business

    app = create_app()
    gw = app.extensions["gateway"]
    gw.db.upgrade()
    business = gw.store.get_business("bench") or setup_business(
        gw.store, slug="bench", name="Bench Coffee", whatsapp="+81345678901", country="JP",
        languages=("ja", "en"), twilio_numbers=("+815031234567",))
    key = gw.store.create_api_key(business.id, "bench")
    return {"app": app, "gw": gw, "business": business, "key": key}


class Gunicorn:
    """gunicorn serving the app factory, as the Procfile does."""

    def __init__(self, env: dict[str, str], workers: int = 2, threads: int = 4):
        self.port = free_port()
        exe = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
        self.proc = subprocess.Popen(
            [exe, "--workers", str(workers), "--worker-class", "gthread", "--threads",
             str(threads), "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning",
             "gateway.app:create_app()"],
            env=env, cwd=ROOT)
        # Ready when workers answer (the master listens before they have booted).
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                url = f"http://127.0.0.1:{self.port}/healthz"
                with urllib.request.urlopen(url, timeout=2) as res:  # noqa: S310 - loopback
                    if res.status == 200:
                        for _ in range(workers * threads):  # warm every worker
                            urllib.request.urlopen(url, timeout=5).read()  # noqa: S310
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="optin-bench-"))


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]
