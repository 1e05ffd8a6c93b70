"""The README's first command really starts everything the demo needs: the gateway on
gunicorn, the worker (its heartbeat reaches the store) and a sample shop page on another
origin that embeds the widget and is allowed to; SIGTERM stops all three."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 120, proc: subprocess.Popen[bytes] | None = None
             ) -> bytes:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the demo exited ({proc.returncode}) before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - local test server
                return r.read()
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def worker_beats(db: Path, seconds: float = 30) -> int:
    deadline = time.time() + seconds
    while time.time() < deadline:
        with sqlite3.connect(db) as conn:
            try:
                beats = conn.execute("SELECT count(*) FROM worker_heartbeats").fetchone()[0]
            except sqlite3.OperationalError:  # the schema is still being created
                beats = 0
        if beats:
            return int(beats)
        time.sleep(0.5)
    return 0


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_demo_serve_runs_web_worker_and_the_sample_shop(tmp_path: Path) -> None:
    port, sample = free_port(), free_port()
    exe = Path(sys.executable).parent / "optin-gateway"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "SECRET_KEY", "SUBJECT_KEY", "INSTANCE_PATH")}
    proc = subprocess.Popen([str(exe), "demo", "--serve", "--port", str(port), "--sample-port",
                             str(sample)], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    gateway, shop = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sample}"
    output = ""
    try:
        assert wait_for(f"{gateway}/healthz", proc=proc) == b'{"ok":true}\n'
        wait_for(f"{gateway}/api/v1/openapi.json")
        # The sample shop: another origin, a strict CSP, the widget's snippet.
        with urllib.request.urlopen(f"{shop}/") as r:  # noqa: S310
            page, csp = r.read().decode(), r.headers["Content-Security-Policy"]
        assert f'src="{gateway}/static/widget.js" data-business="demo"' in page
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp
        # ...which the demo business allows to embed its form.
        ask = urllib.request.Request(f"{gateway}/b/demo/widget.json", headers={"Origin": shop})
        with urllib.request.urlopen(ask) as r:  # noqa: S310
            assert json.load(r)["embed_allowed"] is True
        with urllib.request.urlopen(f"{gateway}/b/demo/widget") as r:  # noqa: S310
            assert shop in r.headers["Content-Security-Policy"]
        assert worker_beats(tmp_path / "instance" / "optin-gateway.db") == 1
    finally:
        os.kill(proc.pid, signal.SIGTERM)  # the demo process alone: it stops the others
        try:
            output = proc.communicate(timeout=30)[0].decode()
            print(output)  # shown when the test fails
        finally:
            with contextlib.suppress(ProcessLookupError):  # anything left over (a failure)
                os.killpg(proc.pid, signal.SIGKILL)
    assert "API key:   og_" in output and "Sakura Coffee" in output
    assert f"widget:    {shop}/" in output
    assert proc.returncode == 0, output[-2000:]
    assert port_is_free(port) and port_is_free(sample)
