"""No phone number or WhatsApp user ID in any log line: the gateway's own, tracebacks with
driver messages, and gunicorn's access log of requests that carry a number in the URL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.redact import redact

NUMBER = "819012345678"


@pytest.mark.parametrize(("line", "kept"), [
    ("GET /api/v1/contacts/%2B819012345678/receipt", "/receipt"),
    ("POST /api/v1/contacts/+819012345678/erase", "+8190****5678"),
    ("from 090-1234-5678", "+0901***5678"), ("+81 90 1234 5678", "+8190****5678"),
    ("wa_id 819012345678", "+8190****5678"), ("user CO.13491208655302741918", "CO.13"),
    ("at 2026-12-06 15:21:55, 1234 rows", "2026-12-06 15:21:55, 1234 rows"),
])
def test_redact(line: str, kept: str) -> None:
    out = redact(line)
    assert kept in out
    assert NUMBER not in out and "13491208655302741918" not in out


def test_an_unhandled_error_is_logged_without_the_number(client: FlaskClient, gw: Any,
                                                         auth: dict[str, str], caplog: Any,
                                                         monkeypatch: Any) -> None:
    def broken(*_args: Any, **_kw: Any) -> Any:
        raise RuntimeError('invalid input syntax: "+819012345678" (row 090-1234-5678)')

    monkeypatch.setattr(gw.service, "contact", broken)
    res = client.get("/api/v1/contacts/%2B819012345678", headers=auth)
    assert res.status_code == 500
    assert "unhandled error" in caplog.text and "RuntimeError" in caplog.text
    assert NUMBER not in caplog.text and "1234-5678" not in caplog.text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_gunicorn_access_log_has_no_number(app_config: dict[str, Any], tmp_path: Path) -> None:
    env = {**os.environ, **{k: v for k, v in app_config.items()
                            if k.isupper() and isinstance(v, str)}}
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "optin-gateway"), "init-db"], env=env, check=True,
                   capture_output=True, cwd=tmp_path)
    port, log = _free_port(), tmp_path / "access.log"
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(log), "gateway.app:create_app()"],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        for path, method in (("/api/v1/contacts/%2B819012345678", "GET"),
                             ("/api/v1/contacts/+819012345678/erase", "POST"),
                             ("/api/v1/eligibility?phone=090-1234-5678&topic=offers", "GET")):
            request = urllib.request.Request(base + path, method=method)
            with pytest.raises(urllib.error.HTTPError):  # 401: no API key
                urllib.request.urlopen(request, timeout=5)  # noqa: S310
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and log.read_text().count("\n") < 4:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(10)
    written = log.read_text()
    assert written.count("/api/v1/") == 3, written
    assert NUMBER not in written and "1234-5678" not in written
