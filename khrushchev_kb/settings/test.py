"""Test settings: the base settings with a fast password hasher and in-memory media."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="kb-test-media-"))

# A file, not SQLite's in-memory default, so that a second process can open the test database
# (tests/test_caching.py checks that a change made by another process reaches this one's cache).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"kb-test-{os.getpid()}.sqlite3")}  # noqa: F405

# Tests see each change at once unless they test the stale window itself (tests/test_caching.py).
KB_STALE_SECONDS = 0
KB_REBUILD_WAIT_SECONDS = 0.2
