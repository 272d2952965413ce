"""Real OS processes for the multi-process tests: a loopback token endpoint that counts
refreshes across processes, and a start barrier so that every worker bursts at once."""

from __future__ import annotations

import json
import select
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parents[2]


class TokenServer:
    """A loopback token endpoint (in a thread) that counts calls across processes."""

    def __init__(self) -> None:
        self.calls = 0
        self.stale = 0
        self.live_refresh = "rt-0"
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode())
                with outer._lock:
                    outer.calls += 1
                    n = outer.calls
                    if form.get("refresh_token") != [outer.live_refresh]:
                        outer.stale += 1
                        status, body = 400, {"error": "invalid_grant"}
                    else:
                        outer.live_refresh = f"rt-{n}"
                        status, body = (
                            200,
                            {
                                "access_token": f"at-{n}",
                                "token_type": "Bearer",
                                "expires_in": 3600,
                                "refresh_token": outer.live_refresh,
                            },
                        )
                time.sleep(0.05)  # a slow provider widens the race window
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> TokenServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_workers(code: str, argvs: list[list[str]], *, within: float = 120.0) -> list[Any]:
    """Start one ``python -c code`` per argv, release them together, return their JSON output.

    Each worker prints ``ready``, waits for a line on stdin, then prints one JSON document.
    A worker that hangs fails the test (after ``within`` seconds) and never hangs the suite.
    """
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        for argv in argvs
    ]
    deadline = time.monotonic() + within
    try:
        for proc in procs:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], deadline - time.monotonic())
            assert ready, "a worker did not start in time"
            assert proc.stdout.readline().strip() == b"ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, _ = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
            assert proc.returncode == 0
            results.append(json.loads(out))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
