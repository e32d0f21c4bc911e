"""After ``migrate`` on SQLite: re-create the search triggers a table rebuild dropped (search/engine.py)."""

import sys

from django.db import connections


def repair_search_index(sender, using="default", verbosity=1, stdout=None, **kwargs):
    from .engine import ensure_sqlite_index

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        repaired = ensure_sqlite_index(cursor)
    if repaired and verbosity >= 1:
        (stdout or sys.stdout).write(f"  Search index: re-created triggers and re-indexed {', '.join(repaired)}\n")
