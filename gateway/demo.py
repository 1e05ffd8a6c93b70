"""``optin-gateway demo --serve``: everything the demo needs, started and stopped together.

Three processes: the web server (gunicorn, as the Procfile's web line), the worker (imports,
replies, change notifications: without it uploads wait for ever) and a sample shop page on
another origin that embeds the widget, the way a business's own site would. The sample page
sends a strict Content-Security-Policy, so the demo shows the widget working under one.

Standard library only: this runs before (and beside) the app, never inside it.
"""

from __future__ import annotations

import html
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType

STOP_GRACE = 10.0  # seconds each process gets to finish after SIGTERM


def sample_origin(sample_port: int) -> str:
    """The sample shop's origin, which the demo business allows to embed its form."""
    return f"http://127.0.0.1:{sample_port}"


def sample_page(gateway: str, slug: str, name: str) -> str:
    """A small bilingual shop page with the embed snippet, as a business would paste it."""
    snippet = (f'<script src="{gateway}/static/widget.js" data-business="{slug}" '
               'async></script>')
    return f"""<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(name)} — sample shop page</title>
<link rel="stylesheet" href="/sample.css">
</head>
<body>
<header><strong>{html.escape(name)}</strong> <span>sample shop · サンプルのお店のページ</span></header>
<main>
<h1>This page stands for the business's own website</h1>
<p>It is served from another origin than the gateway, with a strict Content-Security-Policy.
The WhatsApp button at the bottom right is the gateway's widget: open it, chat, or sign up
for updates in the embedded form.</p>
<p lang="ja">このページはお店自身のウェブサイトの代わりです。右下の WhatsApp ボタンがゲートウェイの
ウィジェットです。チャットを始めたり、お知らせの受け取りを申し込んだりできます。</p>
<h2>The snippet on this page · 埋め込みコード</h2>
<pre><code>{html.escape(snippet)}</code></pre>
<p>Sites allowed to show the sign-up form are listed in the dashboard under Settings.
Opened from any other site, the widget says so and links to the hosted form instead.</p>
</main>
{snippet}
</body>
</html>
"""


SAMPLE_CSS = """body{margin:0;font:16px/1.6 system-ui,sans-serif;color:#1f2933;background:#faf7f2}
header{display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap;padding:1rem 1.5rem;
background:#6b3e26;color:#fff}main{max-width:42rem;margin:0 auto;padding:1.5rem}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid #e4ddd3;
padding:.75rem;border-radius:8px}h1{font-size:1.5rem;line-height:1.3}
"""


def sample_csp(gateway: str) -> str:
    """As strict as a careful shop would be: only its own files and the gateway's."""
    return (f"default-src 'self'; script-src 'self' {gateway}; connect-src {gateway}; "
            f"frame-src {gateway}; img-src 'self' {gateway} data:; style-src 'self'; "
            "base-uri 'none'; form-action 'self'; object-src 'none'")


def sample_server(port: int, gateway: str, slug: str, name: str) -> ThreadingHTTPServer:
    """The sample shop's HTTP server (not started)."""
    page = sample_page(gateway, slug, name).encode()
    css = SAMPLE_CSS.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            path = self.path.split("?", 1)[0]
            if path in ("/", "/index.html"):
                self._send(200, "text/html; charset=utf-8", page)
            elif path == "/sample.css":
                self._send(200, "text/css; charset=utf-8", css)
            else:
                self._send(404, "text/plain; charset=utf-8", b"not found\n")

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", sample_csp(gateway))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # the gateway's own access log is the one that matters

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def _executable(name: str) -> str:
    return shutil.which(name) or os.path.join(os.path.dirname(sys.executable), name)


def commands(port: int, workers: int = 2) -> dict[str, list[str]]:
    """The web server and the worker, as the Procfile runs them."""
    return {
        "web": [_executable("gunicorn"), "--workers", str(workers), "--bind",
                f"127.0.0.1:{port}", "--access-logfile", "-", "gateway.app:create_app()"],
        "worker": [_executable("optin-gateway"), "worker"],
    }


def serve(port: int, sample_port: int, slug: str, name: str) -> int:
    """Run web, worker and the sample page until Ctrl-C, SIGTERM or one process ends."""
    gateway = f"http://127.0.0.1:{port}"
    shop = sample_server(sample_port, gateway, slug, name)
    threading.Thread(target=shop.serve_forever, name="sample-page", daemon=True).start()
    children = {role: subprocess.Popen(cmd) for role, cmd in commands(port).items()}  # noqa: S603
    stopping = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    try:
        while not stopping.is_set():
            ended = {role: p.returncode for role, p in children.items() if p.poll() is not None}
            if ended:
                role, code = next(iter(ended.items()))
                print(f"demo: the {role} process ended (exit {code}); stopping the others",
                      file=sys.stderr)
                break
            stopping.wait(0.5)
    finally:
        for p in children.values():
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + STOP_GRACE
        for p in children.values():
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
        shop.shutdown()
    return code
