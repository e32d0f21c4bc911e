"""The versions of the cache tags: one row per tag, replaced in the same transaction as the write it follows.

Cached pages and fragments store the versions of the tags they depend on
(``caching/versioning.py``), so a write made by any process (a gunicorn worker,
the admin, a management command) invalidates exactly what shows it, whatever
the cache backend. A version is a random token rather than a counter, so a
rolled-back transaction or a restored backup can never bring back a number
that keys some other state's cached pages.
"""

import uuid

from django.db import models


def new_token() -> str:
    return uuid.uuid4().hex


class CacheTag(models.Model):
    MAX_LENGTH = 200

    tag = models.CharField(max_length=MAX_LENGTH, unique=True)
    token = models.CharField(max_length=32, default=new_token)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = "cache tag"

    def __str__(self) -> str:
        return f"{self.tag}={self.token}"
