"""Serving: the production worker class keeps answering while slow clients hold connections open.

gunicorn's default ``sync`` worker serves one connection at a time: with 2 workers,
two clients that send their headers slowly (a "slowloris") take the site down
until gunicorn's timeout. The README's production command runs ``gthread``
workers (``--worker-class gthread --threads 8``): each worker waits for slow
clients on threads, so ordinary visitors are still answered. (A buffering proxy in
front, nginx or Caddy, which the README asks for anyway, takes slow clients off
the application servers entirely.)
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from .processes import ROOT, database_url

pytestmark = pytest.mark.django_db(transaction=True)  # the server process reads what this one wrote

GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, *worker_options: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "khrushchev_kb.settings.base",
        "DATABASE_URL": database_url(),
        "DJANGO_DEBUG": "1",  # the worker's behaviour is the same; debug serves static files without collectstatic
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": "",
    }
    command = [
        GUNICORN,
        "khrushchev_kb.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--no-control-socket",
        "--timeout",
        "30",
        *worker_options,
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    pytest.fail("gunicorn did not start")


def slow_clients(port: int, count: int) -> list[socket.socket]:
    """Connections that send half a request and then nothing, as a slowloris does."""
    held = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /claims/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        held.append(s)
    time.sleep(0.5)  # let the workers pick them up
    return held


def test_gthread_workers_keep_answering_while_slow_clients_hold_connections(fixture_folder):
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    port = free_port()
    server = serve(port, "--worker-class", "gthread", "--threads", "8")
    held = []
    try:
        held = slow_clients(port, 6)  # three times the number of workers: sync workers would all be stuck
        started = time.monotonic()
        for path in ("/", "/claims/", "/healthz"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                assert response.status == 200
        assert time.monotonic() - started < 5
    finally:
        for s in held:
            s.close()
        server.terminate()
        server.wait(timeout=10)
