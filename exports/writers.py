"""Writing the declared tables (``exports/tables.py``) as CSV and JSON, streamed.

One builder (``FILES``, ``file_chunks``) serves the HTTP exports and
``manage.py export_kb``, so both give the same bytes, drafts never included.

CSV: UTF-8, RFC 4180 with CRLF line ends, header first, rows in key order. Each
table is read in one query, as plain value rows (no model instances), the
many-valued columns gathered by the database with correlated ``GROUP_CONCAT`` /
``string_agg`` subqueries and sorted here, streamed with
``.iterator(chunk_size=…)``: memory bounded by the chunk size. A table whose
every column has a SQL form (no many-valued column: citations) has each whole
line built by the database, the same bytes at its speed: streamed with
``COPY … TO STDOUT`` on PostgreSQL, fetched from the cursor on SQLite.

Every text cell is neutralised against formula injection (OWASP "CSV
injection"): one starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
gets a leading apostrophe, which spreadsheets show but never evaluate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, F, Func, Q, TextField, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, Left, Replace
from django.db.models.lookups import In

from .tables import SEP, TABLES, Column, Table

CHUNK = 2000
LINES_PER_CHUNK = 1000
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
_DANGEROUS = frozenset(DANGEROUS_FIRST)


class _Bare(str):
    """A cell written without quotes (``true``/``false``), as PostgreSQL's COPY path writes it."""


TRUE, FALSE = _Bare("true"), _Bare("false")


# --------------------------------------------------------------------------- one cell, three forms


def _values(column: Column, raw) -> list[str]:
    if not raw:
        return []
    if SEP in raw:
        values = sorted({v for v in raw.split(SEP) if v}, key=int if column.items == "integer" else None)
    else:
        values = [raw]  # most claims have one person, one source, no theme or conflict
    return column.split(values) if column.split else values


def cell_maker(column: Column) -> Callable[[Any], Any]:
    """The function turning the column's raw value into what ``csv_lines`` writes: text (quoted), a number,
    bare true/false, or nothing. Made once per column, it saves the choice by kind on each of the claims
    export's 1.6 million cells."""
    kind = column.kind
    if kind == "many":
        return lambda raw: ";".join(_values(column, raw))
    if kind == "date":
        return lambda raw: raw.isoformat() if raw else ""
    if kind == "boolean":
        return lambda raw: TRUE if raw else FALSE
    if kind == "integer":
        return lambda raw: 0 if raw is None else raw
    if kind == "count":
        return _count
    return lambda raw: raw if raw is not None else ""


def _count(raw) -> int:
    """How many values a ``count`` column's expression gathered (joined by SEP)."""
    return raw.count(SEP) + 1 if raw else 0


def to_json(column: Column, raw):
    kind = column.kind
    if kind == "many":
        values = _values(column, raw)
        return [int(v) for v in values] if column.items == "integer" else values
    if kind == "date":
        return raw.isoformat() if raw else None
    if kind == "boolean":
        return bool(raw)
    if kind == "integer":
        return 0 if raw is None else raw
    if kind == "count":
        return _count(raw)
    return raw


def _sql_text_cell(expression) -> list:
    """A text cell as ``csv_lines`` writes it, as SQL: defused, quotes doubled, quoted."""
    expression = Coalesce(expression, Value(""), output_field=TextField())
    defused = Case(
        When(
            In(Left(expression, 1, output_field=TextField()), list(DANGEROUS_FIRST)),
            then=Concat(Value("'"), expression, output_field=TextField()),
        ),
        default=expression,
        output_field=TextField(),
    )
    return [Value('"'), Replace(defused, Value('"'), Value('""'), output_field=TextField()), Value('"')]


def sql_cell(column: Column, raw) -> list | None:
    """The cell as a SQL expression (parts to concatenate), or None for a kind the database cannot write.

    ``raw`` is the column's raw value: a field path or an expression.
    """
    kind = column.kind
    expression = F(raw) if isinstance(raw, str) else raw
    if kind == "text":
        return _sql_text_cell(expression)
    if kind == "url":
        # Built from the absolute base URL, so it never starts with a formula character: no defusing (which
        # would compute the URL twice per row: a third of the time of citations.csv on SQLite).
        text = Coalesce(expression, Value(""), output_field=TextField())
        quoted = Replace(text, Value('"'), Value('""'), output_field=TextField())
        return [Value('"'), quoted, Value('"')]
    if kind == "integer":
        return [Coalesce(Cast(expression, TextField()), Value("0"), output_field=TextField())]
    if kind == "boolean":
        condition = Q(**{raw: True}) if isinstance(raw, str) else raw
        return [Case(When(condition, then=Value("true")), default=Value("false"), output_field=TextField())]
    if kind == "date":
        return [Coalesce(Cast(expression, TextField()), Value(""), output_field=TextField())]
    return None


# --------------------------------------------------------------------------- CSV


def csv_lines(table: Table, rows: Iterable[list]) -> Iterator[str]:
    """RFC 4180 text (CRLF line ends), header first, in chunks of up to LINES_PER_CHUNK whole lines.

    Every text cell is quoted (doubling its quotes) and, if it starts with one of
    DANGEROUS_FIRST, defused with a leading apostrophe; numbers and true/false are
    written bare and None as nothing. Written out by hand because this loop runs
    for every cell of every export: about three times faster than ``csv.writer``.
    """
    yield ",".join(table.names) + "\r\n"
    lines = []
    for row in rows:
        lines.append(
            ",".join(
                [
                    '"' + (("'" + v) if v[:1] in _DANGEROUS else v).replace('"', '""') + '"'
                    if type(v) is str
                    else ("" if v is None else str(v))
                    for v in row
                ]
            )
        )
        if len(lines) == LINES_PER_CHUNK:
            yield "\r\n".join(lines) + "\r\n"
            lines.clear()
    if lines:
        yield "\r\n".join(lines) + "\r\n"


def raw_rows(table: Table, claims=None, *, public: bool = True):
    """The table's raw values, in primary-key order (one query): one per expression, where two columns made
    from one expression (``sources`` and ``source_files``) read it once; ``columns_at`` says which is whose.

    Only public rows and public evidence, unless ``public=False`` (the admin's export of selected claims).
    """
    annotations, paths = {}, []
    for name, expr in _read_once(table, public)[0]:
        if isinstance(expr, str):
            paths.append(expr)
        else:
            annotations[f"_{name}"] = expr
            paths.append(f"_{name}")
    return table.rows(claims, public).order_by(*table.ordering).annotate(**annotations).values_list(*paths)


def columns_at(table: Table, public: bool = True) -> list[int]:
    """For each column of ``table``, the index of its raw value in a row of ``raw_rows``."""
    return _read_once(table, public)[1]


def _read_once(table: Table, public: bool) -> tuple[list[tuple[str, Any]], list[int]]:
    """(each distinct raw value to read, with the name of its first column; each column's index among them)."""
    reads, index_of, at = [], {}, []
    for name, expr in table.raw_values(public).items():
        key = expr if isinstance(expr, str) else id(expr)
        if key not in index_of:
            index_of[key] = len(reads)
            reads.append((name, expr))
        at.append(index_of[key])
    return reads, at


def table_rows(table: Table, claims=None, *, public: bool = True) -> Iterator[list]:
    """The table's rows as CSV cells (``cell_maker``), streamed (``_streamed``)."""
    cells = [(cell_maker(column), i) for column, i in zip(table.columns, columns_at(table, public), strict=True)]
    for raw in _streamed(raw_rows(table, claims, public=public)):
        yield [make(raw[i]) for make, i in cells]


def _streamed(rows) -> Iterator[tuple]:
    """The rows of a values_list queryset, memory bounded: SQLite's cursor read as it goes, without Django's
    per-row conversions (sqlite3 itself makes the dates; a third of the claims export's time); PostgreSQL's
    through a server-side cursor."""
    if connections[rows.db].vendor != "sqlite":
        yield from rows.iterator(chunk_size=CHUNK)
        return
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (a search with no words): no query, no rows
        return
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(CHUNK):
            yield from batch


def table_lines(name: str, claims=None) -> Iterator[str]:
    """The CSV text of one table (``claims``, a filtered queryset, narrows the claims and citations tables)."""
    table = TABLES[name]
    lines = _line_values(table, claims)
    if lines is not None:
        vendor = connections[lines.db].vendor
        if vendor == "postgresql":
            return _copy_lines(table, lines)
        if vendor == "sqlite":
            return _fetched_lines(table, lines)
    return csv_lines(table, table_rows(table, claims))


def _line_values(table: Table, claims):
    """One value per row, its whole CSV line built by the database; None if a column has no SQL form."""
    values = table.raw_values()
    cells = []
    for column in table.columns:
        cell = sql_cell(column, values[column.name])
        if cell is None:
            return None
        cells.append(cell)
    parts = [part for i, cell in enumerate(cells) for part in ([Value(",")] if i else []) + cell]
    rows = table.rows(claims, True).order_by(*table.ordering)
    if connections[rows.db].vendor == "sqlite":
        # Django's Concat nests a pair per part: forty levels deep, which overflows SQLite's parser stack once a
        # filter's subquery is added. Every part here is non-NULL, so a flat a || b || c is the same text.
        line = Func(*parts, template="(%(expressions)s)", arg_joiner=" || ", output_field=TextField())
    else:
        line = Concat(*parts, output_field=TextField())
    return rows.annotate(csv_line=line).values_list("csv_line")


def _fetched_lines(table: Table, line_values) -> Iterator[str]:
    """The lines SQLite built, fetched LINES_PER_CHUNK at a time straight from its cursor (no Django rows):
    the same text as ``csv_lines``, several times faster."""
    sql, params = line_values.query.sql_with_params()
    yield ",".join(table.names) + "\r\n"
    with connections[line_values.db].cursor() as cursor:
        raw = cursor.cursor  # Django's thin wrapper of sqlite3's cursor: it only translates the placeholders
        raw.execute(sql, params)
        while batch := raw.fetchmany(LINES_PER_CHUNK):
            yield "\r\n".join([line for (line,) in batch]) + "\r\n"


_COPY_ESCAPE = re.compile(rb"\\([\\bfnrtv])")
_COPY_UNESCAPE = {b"\\": b"\\", b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def _copy_lines(table: Table, line_values) -> Iterator[str]:
    """Stream ``COPY (query) TO STDOUT``: the same text as ``csv_lines``, formatted by PostgreSQL at its speed.

    COPY's text format ends each row with a bare LF and escapes the control
    characters and backslashes inside it, so the raw LFs are exactly the line
    ends: they become CRLF, then the escapes are undone.
    """
    sql, params = line_values.query.sql_with_params()
    yield ",".join(table.names) + "\r\n"
    with connections[line_values.db].cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
        batch: list = []
        for row in copy:
            batch.append(row)
            if len(batch) == LINES_PER_CHUNK:
                yield _from_copy_text(b"".join(batch))
                batch.clear()
        if batch:
            yield _from_copy_text(b"".join(batch))


def _from_copy_text(data: bytes) -> str:
    data = data.replace(b"\n", b"\r\n")
    if b"\\" in data:
        data = _COPY_ESCAPE.sub(lambda m: _COPY_UNESCAPE[m.group(1)], data)
    return data.decode("utf-8")


# --------------------------------------------------------------------------- JSON


def claims_json(claims=None) -> Iterator[str]:
    """The public claims as a JSON array, every column of the claims table typed, each with its ``citations``
    (the citations table's columns but ``claim_id``). Streamed: one query for a chunk of claims' citations."""
    claims_table, citations_table = TABLES["claims"], TABLES["citations"]
    citation_columns = [c for c in citations_table.columns if c.name != "claim_id"]
    citation_at = dict(zip(citations_table.names, columns_at(citations_table), strict=True))
    claim_id_at = citation_at["claim_id"]
    yield "[\n"
    first = True
    chunk: list[dict] = []

    def flush():
        ids = [item["id"] for item in chunk]
        nested: dict[int, list] = {pk: [] for pk in ids}
        for raw in raw_rows(citations_table, None).filter(claim_id__in=ids):
            item = {c.name: to_json(c, raw[citation_at[c.name]]) for c in citation_columns}
            nested[raw[claim_id_at]].append(item)
        for item in chunk:
            item["citations"] = nested[item["id"]]
        return [json.dumps(item, ensure_ascii=False) for item in chunk]

    at = columns_at(claims_table)
    for raw in raw_rows(claims_table, claims).iterator(chunk_size=CHUNK):
        chunk.append({c.name: to_json(c, raw[i]) for c, i in zip(claims_table.columns, at, strict=True)})
        if len(chunk) == CHUNK:
            for text in flush():
                yield ("" if first else ",\n") + text
                first = False
            chunk = []
    if chunk:
        for text in flush():
            yield ("" if first else ",\n") + text
            first = False
    yield "\n]\n"


def annotations_jsonld(claims=None) -> Iterator[str]:
    """Every public citation as a W3C Web Annotation, in one ``AnnotationCollection`` (streamed).

    Body: the claim (its URL, and its statement as a textual body). Target: the
    source's page, selected by a ``TextQuoteSelector`` (exact, prefix, suffix: the
    context the quote was verified in) and a ``TextPositionSelector`` (start, end:
    code points of the verbatim source text, as in citations.csv), so that
    annotation tools (Hypothesis and others) can anchor our evidence.
    """
    from django.urls import reverse

    from core.canonical import absolute
    from sources.models import Citation

    rows = raw_rows(TABLES["citations"], claims)
    citations = (
        Citation.objects.filter(
            pk__in=rows.values("id") if claims is not None else Citation.objects.public().values("id")
        )
        .order_by("id")
        .values_list("id", "quote", "prefix", "suffix", "start", "end", "source__slug", "claim_id", "claim__statement")
    )
    claim_head, claim_tail = absolute(reverse("sources:claim-detail", args=["0"])).rsplit("0", 1)
    source_head, source_tail = absolute(reverse("sources:detail", args=["slug"])).rsplit("slug", 1)
    collection = absolute(reverse("exports:annotations"))
    total = citations.count()
    yield json.dumps(
        {
            "@context": "http://www.w3.org/ns/anno.jsonld",
            "id": collection,
            "type": "AnnotationCollection",
            "label": "Khrushchev KB: every cited passage and the claim it supports",
            "total": total,
        },
        ensure_ascii=False,
    )[:-1]
    yield ', "first": {"id": ' + json.dumps(collection + "#page-1") + ', "type": "AnnotationPage", "items": [\n'
    first = True
    for pk, quote, prefix, suffix, start, end, slug, claim_id, statement in citations.iterator(chunk_size=CHUNK):
        page = f"{source_head}{slug}{source_tail}"
        claim_url = f"{claim_head}{claim_id}{claim_tail}"
        item = {
            "id": f"{page}#cite-{pk}",
            "type": "Annotation",
            "motivation": "describing",
            "body": [
                {
                    "type": "TextualBody",
                    "value": statement,
                    "format": "text/plain",
                    "language": "en",
                    "purpose": "describing",
                },
                {"id": claim_url, "type": "Text", "format": "text/html", "purpose": "linking"},
            ],
            "target": {
                "source": page,
                "selector": [
                    {"type": "TextQuoteSelector", "exact": quote, "prefix": prefix, "suffix": suffix},
                    {"type": "TextPositionSelector", "start": start, "end": end},
                ],
            },
        }
        yield ("" if first else ",\n") + json.dumps(item, ensure_ascii=False)
        first = False
    yield "\n]}}\n"


def datapackage_json(claims=None) -> Iterator[str]:
    from .datapackage import descriptor

    yield json.dumps(descriptor(), indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------- the files


# Every export file: name -> (media type, whether the claims list's filters apply, its chunks given claims).
FILES = {
    **{
        f"{name}.csv": ("text/csv; charset=utf-8", table.filtered_by_claims, partial(table_lines, name))
        for name, table in TABLES.items()
    },
    "claims.json": ("application/json", True, claims_json),
    "annotations.jsonld": ("application/ld+json", True, annotations_jsonld),
    "datapackage.json": ("application/json", False, datapackage_json),
}


def file_chunks(name: str, claims=None) -> Iterator[str]:
    """The text of one export file, in chunks: the same for HTTP and ``export_kb``; only public data."""
    _, filtered, chunks = FILES[name]
    return chunks(claims if filtered else None)
