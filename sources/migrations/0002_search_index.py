"""Full-text search index: an FTS5 table kept in sync by triggers on SQLite, GIN indexes on PostgreSQL.

See sources/search.py, which also re-creates the SQLite triggers after any later
migration that rebuilds one of the indexed tables (SQLite drops their triggers).
"""

from django.db import migrations

PG_INDEXES = [
    ("sources", "claim", ["statement", "note"], "claim_fts"),
    ("sources", "citation", ["quote"], "citation_fts"),
    ("people", "person", ["name", "aliases", "bio"], "person_fts"),
    ("events", "event", ["title", "place", "summary"], "event_fts"),
    ("sources", "source", ["title", "publisher", "author", "text"], "source_fts"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from sources.search import ensure_sqlite_index

        with schema_editor.connection.cursor() as cursor:
            ensure_sqlite_index(cursor)
    elif schema_editor.connection.vendor == "postgresql":
        from django.contrib.postgres.indexes import GinIndex
        from django.contrib.postgres.search import SearchVector

        for app, model_name, fields, name in PG_INDEXES:
            model = apps.get_model(app, model_name)
            schema_editor.add_index(model, GinIndex(SearchVector(*fields, config="english"), name=name))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from sources.search import SQLITE_DOCUMENTS

        for kind, *_ in SQLITE_DOCUMENTS:
            for suffix in ("ai", "au", "ad"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS kb_search_{kind}_{suffix}")
        schema_editor.execute("DROP TABLE IF EXISTS kb_search")
    elif schema_editor.connection.vendor == "postgresql":
        for _app, _model, _fields, name in PG_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0001_initial"),
        ("people", "0001_initial"),
        ("events", "0002_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
