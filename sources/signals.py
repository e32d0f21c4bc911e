"""After ``migrate`` on SQLite: re-create the search triggers a table rebuild dropped (sources/search.py).

Signals do nothing else here: what must stay true across rows is kept by the
write layer (``sources/services.py``), and caches are invalidated by
``caching/versioning.py``'s receivers.
"""

import sys

from django.db import connections


def repair_search_index(sender, using="default", verbosity=1, stdout=None, **kwargs):
    from .search import ensure_sqlite_index

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        repaired = ensure_sqlite_index(cursor)
    if repaired and verbosity >= 1:
        (stdout or sys.stdout).write(f"  Search index: re-created triggers and re-indexed {', '.join(repaired)}\n")
