"""Researcher exports: the CSV tables (a contract: columns and order are fixed) as streams of rows.

One builder (``FILES`` and ``file_chunks``) serves the HTTP exports and
``manage.py export_kb``, so both give the same bytes, drafts never included, and
every URL in them is absolute, from the canonical origin (``KB_BASE_URL``).

The two large tables (claims, citations) are read as plain value rows in one
query each, the many-valued columns (people, tags, sources) gathered by the
database with correlated ``GROUP_CONCAT`` / ``string_agg`` subqueries and
sorted here, streamed with ``.iterator(chunk_size=…)``: no model instances,
memory bounded by the chunk size, and at 100,000 claims tens of thousands of
rows per second (bench/RESULTS.md).

Exports are public: drafts never appear in them (``public=False`` is for the
admin's "export selected", where editors see their drafts too).

Every text cell is neutralised against formula injection (OWASP "CSV
injection"): one starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
gets a leading apostrophe, which spreadsheets show but never evaluate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.models import Aggregate, Case, Count, Exists, F, OuterRef, Subquery, TextField, Value, When
from django.db.models.functions import Cast, Concat, Left, Replace
from django.db.models.lookups import In
from django.urls import reverse
from taggit.models import TaggedItem

from core.canonical import absolute
from events.models import Event
from people.models import Person
from people.querysets import public_claim_count

from .evidence import independent_origins
from .models import Citation, Claim, Source

CHUNK = 2000
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = {
    "claims": [
        "id", "statement", "date", "date_start", "date_end", "status", "people", "event", "tags",
        "sources", "source_files", "citation_count", "independent_sources", "source_error", "url",
    ],
    "citations": ["id", "claim_id", "source", "source_file", "quote", "start", "end", "needs_review", "url"],
    "sources": [
        "slug", "title", "publisher", "author", "kind", "published", "file_name", "sha256", "derived_from",
        "claim_count", "url",
    ],
    "people": ["slug", "name", "aliases", "born", "died", "claim_count", "url"],
    "events": ["slug", "title", "date", "date_start", "date_end", "people", "claim_count", "url"],
}  # fmt: skip


def joined(values: Iterable[str]) -> str:
    return ";".join(values)


def iso(date) -> str:
    return date.isoformat() if date else ""


LINES_PER_CHUNK = 1000
_DANGEROUS = frozenset(DANGEROUS_FIRST)


def csv_lines(table: str, rows: Iterable[list]) -> Iterator[str]:
    """RFC 4180 text (CRLF line ends), header first, in chunks of up to LINES_PER_CHUNK whole lines.

    Every text cell is quoted (doubling its quotes) and, if it starts with one of
    DANGEROUS_FIRST, defused with a leading apostrophe; numbers are written bare
    and None as nothing. Written out by hand
    because this loop runs for every cell of every export: it is about three
    times faster than ``csv.writer`` on 150,000 citations.
    """
    yield ",".join(COLUMNS[table]) + "\r\n"
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


# --------------------------------------------------------------------------- rows


SEP = "\x1f"  # joins the values of a many-valued column inside the database; no slug or file name has it


class Gathered(Aggregate):
    """The values of a column across the rows of a group, joined by SEP (order unspecified: sorted in Python)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, char(31))"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, function="STRING_AGG", template="%(function)s((%(expressions)s)::text, E'\\x1f')",
            **extra_context,
        )  # fmt: skip


def _gathered(queryset, group: str, column: str) -> Subquery:
    return Subquery(queryset.values(group).annotate(values=Gathered(column)).values("values")[:1])


def _split(value: str | None) -> list[str]:
    return sorted({v for v in (value or "").split(SEP) if v})


def _url_around(name: str, placeholder: str = "0") -> tuple[str, str]:
    """The absolute URL pattern's text before and after its one argument."""
    head, tail = absolute(reverse(name, args=[placeholder])).rsplit(placeholder, 1)
    return head, tail


def _url_maker(name: str, placeholder: str = "0"):
    """``get_absolute_url`` without a reverse() per row: the URL pattern with one part replaced."""
    head, tail = _url_around(name, placeholder)
    return lambda value: f"{head}{value}{tail}"


def claim_values(claims, citations=None):
    """The claims table as value rows: one query, the many-valued columns gathered by the database."""
    citations = citations if citations is not None else Citation.objects.public()
    cited = citations.filter(claim=OuterRef("pk"))
    claim_type = ContentType.objects.get_for_model(Claim)
    return (
        claims.order_by("id")
        .annotate(
            people_=_gathered(Claim.people.through.objects.filter(claim=OuterRef("pk")), "claim", "person__slug"),
            tags_=_gathered(
                TaggedItem.objects.filter(content_type=claim_type, object_id=OuterRef("pk")), "object_id", "tag__slug"
            ),
            sources_=_gathered(cited, "claim", "source__slug"),
            files_=_gathered(cited, "claim", "source__file_name"),
            cited_=Subquery(cited.values("claim").annotate(n=Count("pk")).values("n")[:1]),
            origins_=independent_origins("pk"),
        )
        .values_list(
            "id",
            "statement",
            "date",
            "date_lower",
            "date_upper",
            "status",
            "event__slug",
            "source_error",
            "people_",
            "tags_",
            "sources_",
            "files_",
            "cited_",
            "origins_",
        )  # fmt: skip
    )


def claim_rows(claims, citations=None) -> Iterator[list]:
    rows = claim_values(claims, citations)
    url = _url_maker("sources:claim-detail")
    for row in rows.iterator(chunk_size=CHUNK):
        pk, statement, date, lower, upper, status, event, error, people, tags, sources, files, cited, origins = row
        yield [
            pk, statement, date, iso(lower), iso(upper), status, joined(_split(people)), event or "",
            joined(_split(tags)), joined(_split(sources)), joined(_split(files)), cited or 0, origins, error, url(pk),
        ]  # fmt: skip


def citation_values(citations):
    """The citations table as value rows, in one query."""
    columns = ["id", "claim_id", "source__slug", "source__file_name", "quote", "start", "end", "needs_review"]
    return citations.order_by("id").values_list(*columns)


def citation_lines(citations) -> Iterator[str]:
    """The citations table as CSV: on PostgreSQL written by the database itself (COPY), else row by row here."""
    if citations.db and connections[citations.db].vendor == "postgresql":
        return _copy_lines("citations", citation_line_values(citations))
    return csv_lines("citations", citation_rows(citations))


def _csv_cell(expression) -> list:
    """A text cell as ``csv_lines`` writes it, as SQL: defused, quotes doubled, quoted."""
    defused = Case(
        When(
            In(Left(expression, 1, output_field=TextField()), list(DANGEROUS_FIRST)),
            then=Concat(Value("'"), expression, output_field=TextField()),
        ),
        default=expression,
        output_field=TextField(),
    )
    return [Value('"'), Replace(defused, Value('"'), Value('""'), output_field=TextField()), Value('"')]


def citation_line_values(citations):
    """One value per citation: its whole CSV line (no line end) built by the database, in id order."""
    head, tail = _url_around("sources:detail", "slug")  # the same URL as citation_rows writes
    slug = F("source__slug")
    url = Concat(Value(head), slug, Value(tail + "#cite-"), Cast("id", TextField()), output_field=TextField())
    cells = [
        [Cast("id", TextField())], [Cast("claim_id", TextField())], _csv_cell(slug), _csv_cell(F("source__file_name")),
        _csv_cell(F("quote")), [Cast("start", TextField())], [Cast("end", TextField())],
        [Case(When(needs_review=True, then=Value("true")), default=Value("false"), output_field=TextField())],
        _csv_cell(url),
    ]  # fmt: skip
    parts = [part for i, cell in enumerate(cells) for part in ([Value(",")] if i else []) + cell]
    return citations.order_by("id").annotate(csv_line=Concat(*parts, output_field=TextField())).values_list("csv_line")


_COPY_ESCAPE = re.compile(rb"\\([\\bfnrtv])")
_COPY_UNESCAPE = {b"\\": b"\\", b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def _copy_lines(table: str, line_values) -> Iterator[str]:
    """Stream ``COPY (query) TO STDOUT``: the same text as ``csv_lines``, formatted by PostgreSQL at its speed.

    COPY's text format ends each row with a bare LF and escapes the control
    characters and backslashes inside it, so the raw LFs are exactly the line
    ends: they become CRLF, then the escapes are undone.
    """
    sql, params = line_values.query.sql_with_params()
    yield ",".join(COLUMNS[table]) + "\r\n"
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


def citation_rows(citations) -> Iterator[list]:
    source_url = _url_maker("sources:detail", "slug")
    for pk, claim_id, slug, file_name, quote, start, end, review in citation_values(citations).iterator(
        chunk_size=CHUNK
    ):
        yield [pk, claim_id, slug, file_name, quote, start, end, BOOLEAN[review], f"{source_url(slug)}#cite-{pk}"]


def source_rows(sources=None) -> Iterator[list]:
    queryset = (sources if sources is not None else Source.objects.public()).defer("text", "notes")
    # The source it derives from is named only when that one is public too: no draft's slug in an export.
    parent = Case(When(derived_from__is_published=True, then=F("derived_from__slug")), default=Value(""))
    queryset = queryset.with_claim_counts().annotate(derived_from_slug=parent).order_by("slug")
    for s in queryset.iterator(chunk_size=CHUNK):
        yield [
            s.slug, s.title, s.publisher, s.author, s.kind, s.published, s.file_name, s.sha256,
            s.derived_from_slug or "", s.claim_count, absolute(s.get_absolute_url()),
        ]  # fmt: skip


def person_rows() -> Iterator[list]:
    queryset = Person.objects.annotate(claim_count=public_claim_count()).defer("bio").order_by("slug")
    for p in queryset.iterator(chunk_size=CHUNK):
        yield [p.slug, p.name, joined(p.alias_list), p.born, p.died, p.claim_count, absolute(p.get_absolute_url())]


def event_rows() -> Iterator[list]:
    queryset = (
        Event.objects.annotate(claim_count=public_claim_count())
        .prefetch_related("people")
        .defer("summary")
        .order_by("slug")
    )
    for e in queryset.iterator(chunk_size=CHUNK):
        yield [
            e.slug, e.title, e.date, iso(e.date_lower), iso(e.date_upper),
            joined(sorted(p.slug for p in e.people.all())), e.claim_count, absolute(e.get_absolute_url()),
        ]  # fmt: skip


class _Bare(str):
    """A cell ``csv_lines`` writes without quotes, as PostgreSQL's COPY path does: true and false."""


BOOLEAN = {True: _Bare("true"), False: _Bare("false")}


def table_lines(table: str, claims=None, *, public: bool = True) -> Iterator[str]:
    """The CSV lines of one table; ``claims`` (a filtered queryset) narrows claims and citations.

    With ``public`` (the default) only what the public pages show is exported.
    """
    claims = claims if claims is not None else Claim.objects.all()
    citations = Citation.objects.all()
    if public:
        claims, citations = claims.public(), citations.public()
    if table == "claims":
        return csv_lines(table, claim_rows(claims, citations))
    if table == "citations":
        # A correlated EXISTS, not claim__in=...: SQLite would re-run an IN subquery for every citation.
        return citation_lines(citations.filter(Exists(claims.filter(pk=OuterRef("claim_id")))))
    if table == "sources":
        return csv_lines(table, source_rows())
    if table == "people":
        return csv_lines(table, person_rows())
    if table == "events":
        return csv_lines(table, event_rows())
    raise KeyError(table)


# --------------------------------------------------------------------------- JSON and the list of files


def claims_json(claims=None) -> Iterator[str]:
    """Public claims with their citations nested, for programs: a JSON array, streamed in chunks."""
    from django.db.models import Prefetch

    from .querysets import cited_passages

    claims = (claims if claims is not None else Claim.objects.all()).public()
    queryset = (
        claims.select_related("event")
        .annotate(origins_=independent_origins("pk"))
        .prefetch_related(
            "people", "tags",
            Prefetch("conflicts", queryset=Claim.objects.public().only("id")),
            Prefetch("citations", queryset=cited_passages().order_by("id")),
        )
        .order_by("id")
    )  # fmt: skip
    yield "[\n"
    first = True
    for claim in queryset.iterator(chunk_size=CHUNK):
        item = {
            "id": claim.pk,
            "statement": claim.statement,
            "date": claim.date,
            "date_start": iso(claim.date_lower) or None,
            "date_end": iso(claim.date_upper) or None,
            "status": claim.status,
            "independent_sources": claim.origins_,
            "people": sorted(p.slug for p in claim.people.all()),
            "event": claim.event.slug if claim.event else None,
            "tags": sorted(t.slug for t in claim.tags.all()),
            "conflicts_with": sorted(c.pk for c in claim.conflicts.all()),
            "note": claim.note,
            "source_error": claim.source_error,
            "url": absolute(claim.get_absolute_url()),
            "citations": [
                {
                    "id": c.pk,
                    "source": c.source.slug,
                    "source_file": c.source.file_name,
                    "quote": c.quote,
                    "start": c.start,
                    "end": c.end,
                    "needs_review": c.needs_review,
                    "url": absolute(c.get_absolute_url()),
                }
                for c in claim.citations.all()
            ],
        }
        yield ("" if first else ",\n") + json.dumps(item, ensure_ascii=False)
        first = False
    yield "\n]\n"


def datapackage_json() -> Iterator[str]:
    from .datapackage import descriptor

    yield json.dumps(descriptor(), indent=2, ensure_ascii=False)


# Every export file: name -> (media type, whether the claim filters apply, its chunks given a claims queryset).
FILES = {
    **{
        f"{table}.csv": ("text/csv; charset=utf-8", table in ("claims", "citations"), partial(table_lines, table))
        for table in COLUMNS
    },
    "claims.json": ("application/json", True, claims_json),
    "datapackage.json": ("application/json", False, lambda claims=None: datapackage_json()),
}


def file_chunks(name: str, claims=None) -> Iterator[str]:
    """The text of one export file, in chunks: the same for HTTP and ``export_kb``; only public data."""
    _, filtered, chunks = FILES[name]
    return chunks(claims if filtered else None)
