"""The site-wide content version: one row, changed in the same transaction as every content change.

Cached pages and fragments are keyed on it (``caching/versioning.py``), so a
change made by any process (a gunicorn worker, the admin, a management command)
invalidates every cache at once, whatever the cache backend. It is a random
token rather than a counter, so a rolled-back transaction or a restored backup
can never bring back a number that keys some other state's cached pages.
"""

import uuid

from django.db import models


def new_token() -> str:
    return uuid.uuid4().hex


class ContentVersion(models.Model):
    token = models.CharField(max_length=32, default=new_token)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "content version"

    def __str__(self) -> str:
        return self.token
