"""Full-text search index: an FTS5 table kept in sync by triggers on SQLite, GIN indexes on PostgreSQL.

The documents are declared once, in search/engine.py (``DOCUMENTS``), which also
re-creates the SQLite triggers after any later migration that rebuilds one of the
indexed tables (SQLite drops their triggers). On PostgreSQL the GIN indexes are on
the same expressions the queries use; changing a document's fields needs a new
migration re-creating its index.
"""

from django.db import migrations


def pg_indexes():
    from search.engine import DOCUMENTS

    return [(d.app_label, d.model_name, d.fields, f"{d.model_name}_fts") for d in DOCUMENTS]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from search.engine import ensure_sqlite_index

        with schema_editor.connection.cursor() as cursor:
            ensure_sqlite_index(cursor)
    elif schema_editor.connection.vendor == "postgresql":
        from django.contrib.postgres.indexes import GinIndex
        from django.contrib.postgres.search import SearchVector

        for app, model_name, fields, name in pg_indexes():
            model = apps.get_model(app, model_name)
            schema_editor.add_index(model, GinIndex(SearchVector(*fields, config="english"), name=name))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from search.engine import DOCUMENTS

        for document in DOCUMENTS:
            for suffix in ("ai", "au", "ad"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS kb_search_{document.kind}_{suffix}")
        schema_editor.execute("DROP TABLE IF EXISTS kb_search")
    elif schema_editor.connection.vendor == "postgresql":
        for _app, _model, _fields, name in pg_indexes():
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0001_initial"),
        ("people", "0001_initial"),
        ("events", "0002_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
