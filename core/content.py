"""The apps that hold the knowledge base's content, declared once.

Their models are what editors write (and history records), what the caches
follow (a write to one that ``sources/invalidation.py`` does not describe
invalidates everything: ``caching/versioning.py``), what a backup holds
(``khrushchev_kb/backup.py``), what the Editors group may change
(``khrushchev_kb/roles.py``) and what the tests compare before and after a
refused write (``tests/conftest.py``). ``taggit`` holds the tags.
"""

CONTENT_APPS = ("people", "events", "sources", "taggit")


def refresh_planner_statistics() -> None:
    """Refresh the database planner's statistics of the content tables, after a bulk load or an import.

    After a bulk load they describe a database a hundredth the size, and PostgreSQL then chose nested loops
    that made the claims export take minutes instead of seconds; without any, SQLite reads a citation's source
    from its row rather than from the index made for it (``source_cited_fields``: the claims export took twice
    as long), not knowing how wide the rows are.

    On PostgreSQL, VACUUM too: it marks the new pages all-visible at once instead of leaving that to an
    autovacuum that would otherwise run, unannounced, under the next minutes' traffic. VACUUM cannot run in
    a transaction, so callers call this after theirs has committed; inside a caller's transaction (the
    tests') only ANALYZE runs.
    """
    from django.db import DEFAULT_DB_ALIAS, connections
    from taggit.models import Tag, TaggedItem

    from events.models import Event
    from people.models import Person
    from sources.models import Citation, Claim, Conflict, Source

    connection = connections[DEFAULT_DB_ALIAS]
    tables = [m._meta.db_table for m in (Person, Event, Source, Claim, Citation, Conflict, TaggedItem, Tag)]
    tables += [Claim.people.through._meta.db_table, Event.people.through._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{command} " + ", ".join(connection.ops.quote_name(t) for t in tables))
        elif connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
