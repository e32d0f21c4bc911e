"""Full-text search index: an FTS5 table kept in sync by triggers on SQLite, GIN indexes on PostgreSQL.

See sources/search.py. On SQLite the FTS5 rowid is ``id * 8 + kind code`` so a
trigger finds its row without scanning the index.
"""

from django.db import migrations

# kind, code, table, title expression, body expression (columns of the row, prefixed with new./old. below)
DOCUMENTS = [
    ("claim", 1, "sources_claim", "{r}.statement", "{r}.note"),
    ("quote", 2, "sources_citation", "{r}.quote", "''"),
    ("person", 3, "people_person", "{r}.name || ' ' || replace({r}.aliases, char(10), ' ')", "{r}.bio"),
    ("event", 4, "events_event", "{r}.title || ' ' || {r}.place", "{r}.summary"),
    ("source", 5, "sources_source", "{r}.title || ' ' || {r}.publisher || ' ' || {r}.author", "{r}.text"),
]

PG_INDEXES = [
    ("sources", "claim", ["statement", "note"], "claim_fts"),
    ("sources", "citation", ["quote"], "citation_fts"),
    ("people", "person", ["name", "aliases", "bio"], "person_fts"),
    ("events", "event", ["title", "place", "summary"], "event_fts"),
    ("sources", "source", ["title", "publisher", "author", "text"], "source_fts"),
]


def sqlite_statements():
    yield (
        "CREATE VIRTUAL TABLE kb_search USING fts5(kind UNINDEXED, obj_id UNINDEXED, title, body, "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    for kind, code, table, title, body in DOCUMENTS:
        new_title, new_body = title.format(r="new"), body.format(r="new")
        insert = (
            f"INSERT INTO kb_search(rowid, kind, obj_id, title, body) "
            f"VALUES (new.id * 8 + {code}, '{kind}', new.id, {new_title}, {new_body});"
        )
        delete = f"DELETE FROM kb_search WHERE rowid = old.id * 8 + {code};"
        yield f"CREATE TRIGGER kb_search_{kind}_ai AFTER INSERT ON {table} BEGIN {insert} END"
        yield f"CREATE TRIGGER kb_search_{kind}_au AFTER UPDATE ON {table} BEGIN {delete} {insert} END"
        yield f"CREATE TRIGGER kb_search_{kind}_ad AFTER DELETE ON {table} BEGIN {delete} END"
        yield (
            f"INSERT INTO kb_search(rowid, kind, obj_id, title, body) SELECT id * 8 + {code}, '{kind}', id, "
            f"{title.format(r=table)}, {body.format(r=table)} FROM {table}"
        )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in sqlite_statements():
            schema_editor.execute(statement)
    elif schema_editor.connection.vendor == "postgresql":
        from django.contrib.postgres.indexes import GinIndex
        from django.contrib.postgres.search import SearchVector

        for app, model_name, fields, name in PG_INDEXES:
            model = apps.get_model(app, model_name)
            schema_editor.add_index(model, GinIndex(SearchVector(*fields, config="english"), name=name))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for kind, *_ in DOCUMENTS:
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
