"""Researcher exports: the CSV tables (a contract: columns and order are fixed) as streams of rows.

One implementation serves the HTTP exports and ``manage.py export_kb``, so both
give the same bytes. Rows come from ``.iterator(chunk_size=…)`` with the joins
prefetched per chunk: a handful of queries whatever the number of rows, and
memory bounded by the chunk size.

Exports are public: drafts never appear in them (``public=False`` is for the
admin's "export selected", where editors see their drafts too).

Every text cell is neutralised against formula injection (OWASP "CSV
injection"): one starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
gets a leading apostrophe, which spreadsheets show but never evaluate.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch

from events.models import Event
from people.models import Person
from people.querysets import public_claim_count

from .models import Citation, Claim, Source

CHUNK = 2000
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = {
    "claims": [
        "id", "statement", "date", "date_start", "date_end", "status", "people", "event", "tags",
        "sources", "source_files", "citation_count", "url",
    ],
    "citations": ["id", "claim_id", "source", "source_file", "quote", "start", "end", "url"],
    "sources": [
        "slug", "title", "publisher", "author", "kind", "published", "file_name", "sha256", "claim_count", "url",
    ],
    "people": ["slug", "name", "aliases", "born", "died", "claim_count", "url"],
    "events": ["slug", "title", "date", "date_start", "date_end", "people", "claim_count", "url"],
}  # fmt: skip


def neutralise(value) -> str | int:
    """A cell as written: numbers as they are, text defused if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    text = str(value)
    if text.startswith(DANGEROUS_FIRST):
        return "'" + text
    return text


def joined(values: Iterable[str]) -> str:
    return ";".join(values)


def iso(date) -> str:
    return date.isoformat() if date else ""


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(table: str, rows: Iterable[list]) -> Iterator[str]:
    """RFC 4180 lines (CRLF), header first."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(COLUMNS[table])
    for row in rows:
        yield writer.writerow([neutralise(v) for v in row])


# --------------------------------------------------------------------------- rows


def claim_rows(claims, citations=None) -> Iterator[list]:
    citations = citations if citations is not None else Citation.objects.public()
    queryset = (
        claims.select_related("event")
        .prefetch_related(
            "people",
            "tags",
            Prefetch("citations", queryset=citations.select_related("source").only(
                "id", "claim_id", "source__slug", "source__file_name"
            )),
        )
        .order_by("id")
    )  # fmt: skip
    for claim in queryset.iterator(chunk_size=CHUNK):
        citations = list(claim.citations.all())
        sources = sorted({(c.source.slug, c.source.file_name) for c in citations})
        yield [
            claim.pk,
            claim.statement,
            claim.date,
            iso(claim.date_lower),
            iso(claim.date_upper),
            claim.status,
            joined(sorted(p.slug for p in claim.people.all())),
            claim.event.slug if claim.event else "",
            joined(sorted(t.slug for t in claim.tags.all())),
            joined(slug for slug, _ in sources),
            joined(sorted({name for _, name in sources if name})),
            len(citations),
            claim.get_absolute_url(),
        ]


def citation_rows(citations) -> Iterator[list]:
    queryset = citations.select_related("source").order_by("id")
    for c in queryset.iterator(chunk_size=CHUNK):
        yield [c.pk, c.claim_id, c.source.slug, c.source.file_name, c.quote, c.start, c.end, c.get_absolute_url()]


def source_rows(sources=None) -> Iterator[list]:
    queryset = (sources if sources is not None else Source.objects.public()).defer("text", "notes")
    queryset = queryset.with_claim_counts().order_by("slug")
    for s in queryset.iterator(chunk_size=CHUNK):
        yield [
            s.slug, s.title, s.publisher, s.author, s.kind, s.published, s.file_name, s.sha256, s.claim_count,
            s.get_absolute_url(),
        ]  # fmt: skip


def person_rows() -> Iterator[list]:
    queryset = Person.objects.annotate(claim_count=public_claim_count()).defer("bio").order_by("slug")
    for p in queryset.iterator(chunk_size=CHUNK):
        yield [p.slug, p.name, joined(p.alias_list), p.born, p.died, p.claim_count, p.get_absolute_url()]


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
            joined(sorted(p.slug for p in e.people.all())), e.claim_count, e.get_absolute_url(),
        ]  # fmt: skip


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
        return csv_lines(table, citation_rows(citations.filter(claim__in=claims.values("pk"))))
    if table == "sources":
        return csv_lines(table, source_rows())
    if table == "people":
        return csv_lines(table, person_rows())
    if table == "events":
        return csv_lines(table, event_rows())
    raise KeyError(table)
