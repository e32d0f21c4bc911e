"""Run Django code in another Python process on the test database (cross-process caching, kills, restores)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The test database, as a URL another process can open."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    original = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(original._replace(path=f"/{db['NAME']}"))


def run_django(code: str, **env_vars) -> subprocess.CompletedProcess:
    """Run Django code in a separate Python process on the test database, whatever its exit status."""
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "khrushchev_kb.settings.base",
        "DATABASE_URL": database_url(),
        "REDIS_URL": "",
        **env_vars,
    }
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def in_another_process(code: str, **env_vars) -> str:
    """Run Django code in a separate Python process on the test database; returns its output."""
    result = run_django(code, **env_vars)
    assert result.returncode == 0, result.stderr
    return result.stdout
