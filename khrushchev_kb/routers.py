"""Send reads to the read replica and writes to the primary (on when ``DATABASE_REPLICA_URL`` is set).

Reads made inside a transaction on the primary stay on the primary, so a request
that writes and then reads sees its own write. The cache tags' versions that key the
caches are read from the replica like the data they vouch for (``caching.versioning.read_versions``),
so replica lag delays a change by at most the lag and never pins a stale page.
"""

from django.db import connections


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if connections["default"].in_atomic_block:
            return "default"
        return "replica"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one logical database

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
