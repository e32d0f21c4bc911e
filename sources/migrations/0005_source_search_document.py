"""PostgreSQL: sources are searched in a stored, weighted ``tsvector`` column, not an expression index.

A source's text runs to tens of kilobytes. With only an expression index the
planner costs ``to_tsvector`` as cheap, scans every source and parses every text
on each search (4.8 s at 500 sources), and ranking parsed each matching text
once more. The generated column is parsed once per write; matching and ranking
read it. Nothing changes on SQLite, whose FTS5 index already stores its
documents (see search/engine.py).
"""

from django.db import migrations

ADD = [
    """
ALTER TABLE sources_source ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig,
        coalesce(publisher, '') || ' ' || coalesce(author, '') || ' ' || coalesce(text, '')), 'B')
) STORED""",
    "CREATE INDEX source_search_document ON sources_source USING gin (search_document)",
    "DROP INDEX IF EXISTS source_fts",
]

DROP = [
    "DROP INDEX IF EXISTS source_search_document",
    "ALTER TABLE sources_source DROP COLUMN IF EXISTS search_document",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in ADD:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from django.contrib.postgres.indexes import GinIndex
        from django.contrib.postgres.search import SearchVector

        for statement in DROP:
            schema_editor.execute(statement)
        fields = ["title", "publisher", "author", "text"]  # the expression index of 0002_search_index
        schema_editor.add_index(
            apps.get_model("sources", "source"), GinIndex(SearchVector(*fields, config="english"), name="source_fts")
        )


class Migration(migrations.Migration):
    dependencies = [("sources", "0004_publishing")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
