"""The export tables, declared once: each column's name, type, description and how its value is computed.

Everything else is derived from these declarations: the CSV writers (row by row
in Python, or line by line by PostgreSQL's COPY), the JSON export, the
Frictionless data package, and the test that every field of a claim reaches the
exports. Adding a column means adding one ``Column`` here.

A column reads one *raw* value from the database (a field path or an
expression, evaluated in the one query that reads its table) and turns it into
a CSV cell and a JSON value according to its ``kind``:

``text``, ``integer``, ``date`` (ISO 8601), ``boolean`` (``true``/``false``),
``many`` (several values, gathered by the database, sorted, joined with ``;``
in CSV and a list in JSON), ``count`` (an integer: how many values the database
gathered, one per row, repeats counted), ``url`` (an absolute URL built by the
database from the canonical origin, ``KB_BASE_URL``).

Exports hold only public data: every table starts from ``public()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Aggregate, Case, Exists, F, Func, OuterRef, Subquery, TextField, Value, When
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from taggit.models import TaggedItem

from core.canonical import absolute
from events.models import Event
from people.models import Person
from sources.evidence import independent_origins
from sources.models import Citation, Claim, Conflict, Source

SEP = "\x1f"  # joins a many-valued column's values inside the database; no slug, file name or id has it
PAIR = "\x1e"  # joins the two halves of a pair (a source's slug and its file name) inside one value
SLUGS = "Slugs joined with ';' (empty when none)."


class Gathered(Aggregate):
    """The values of a column across the rows of a group, joined by SEP (order unspecified: sorted in Python)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, char(31))"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s((%(expressions)s)::text, E'\\x1f')",
            **extra_context,
        )


def gathered(queryset, group: str, column) -> Subquery:
    """A correlated subquery gathering ``column`` over ``queryset``'s rows (one group per outer row)."""
    return Subquery(queryset.values(group).annotate(values=Gathered(column)).values("values")[:1])


def url_of(name: str, *parts) -> Func:
    """The absolute URL of route ``name`` with one argument, built by the database from ``parts``.

    ``parts`` are expressions (the slug or id) and, optionally, text after the
    route (``#cite-``, then the citation id).
    """
    head, tail = absolute(reverse(name, args=["0"])).rsplit("0", 1)
    pieces = [Value(head), Cast(parts[0], TextField()), Value(tail)]
    for part in parts[1:]:
        pieces.append(Value(part) if isinstance(part, str) else Cast(part, TextField()))
    # One flat a || b || c (every piece is non-NULL): Concat nests a COALESCE per pair, which SQLite evaluates row
    # by row.
    return Func(*pieces, template="(%(expressions)s)", arg_joiner=" || ", output_field=TextField())


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | integer | date | boolean | many | count | url
    description: str
    # A field path or an expression, or a callable making one from ``public`` (False only for the admin's export
    # of selected claims, drafts included); default: the column's name.
    raw: Any = None
    split: Callable[[list[str]], list[str]] | None = None  # for ``many``: the values, from the gathered ones
    items: str = "string"  # for ``many``: the type of each value in JSON
    constraints: dict = field(default_factory=dict)

    @property
    def frictionless_type(self) -> str:
        return {"text": "string", "many": "string", "count": "integer", "url": "string"}.get(self.kind, self.kind)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: list[Column]
    primary_key: str | list[str]
    rows: Callable[..., Any]  # (claims queryset or None, public) -> the rows (public ones unless told otherwise)
    foreign_keys: list[dict] = field(default_factory=list)
    filtered_by_claims: bool = False  # the claims list's filters apply (through the claims it exports)
    order: tuple[str, ...] = ()  # the rows' order, by field path (default: the primary key)

    @property
    def ordering(self) -> tuple[str, ...]:
        return self.order or (self.primary_key,)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def raw_values(self, public: bool = True) -> dict[str, Any]:
        """Each column's raw value: a field path or an expression. Columns made by one callable (``sources``
        and ``source_files``) share one expression, which the query reads once."""
        made: dict[Callable, Any] = {}
        values = {}
        for column in self.columns:
            if callable(column.raw):
                if column.raw not in made:
                    made[column.raw] = column.raw(public)
                raw = made[column.raw]
            else:
                raw = column.raw
            values[column.name] = raw if raw is not None else column.name
        return values


def _date_columns(what: str) -> list[Column]:
    return [
        Column(
            "date",
            "text",
            f"The {what}'s date in EDTF, as precise as the sources allow (1964-10-14, 1956-02, "
            "1955~, 1953?, 1955/1957); empty when undated.",
        ),
        Column("date_start", "date", "Earliest day the EDTF date can mean (ISO 8601).", "date_lower"),
        Column("date_end", "date", "Latest day the EDTF date can mean (ISO 8601).", "date_upper"),
    ]


# --------------------------------------------------------------------------- claims


def _cited(public: bool):
    return (Citation.objects.public() if public else Citation.objects.all()).filter(claim=OuterRef("pk"))


def _claim_people(public: bool):
    return gathered(Claim.people.through.objects.filter(claim=OuterRef("pk")), "claim", "person__slug")


def _claim_tags(public: bool):
    claim_type = ContentType.objects.get_for_model(Claim)
    tagged = TaggedItem.objects.filter(content_type=claim_type, object_id=OuterRef("pk"))
    return gathered(tagged, "object_id", "tag__slug")


def _cited_sources(public: bool):
    """Each citing source as "slug<PAIR>file name", so the two columns below stay aligned position by position."""
    return gathered(_cited(public), "claim", Concat("source__slug", Value(PAIR), "source__file_name"))


def _conflicting(public: bool):
    links = Conflict.objects.public() if public else Conflict.objects.all()
    return gathered(links.filter(from_claim=OuterRef("pk")), "from_claim", "to_claim_id")


def _claim_rows(claims=None, public: bool = True):
    claims = claims if claims is not None else Claim.objects.all()
    return claims.public() if public else claims


def _halves(index: int):
    def split(pairs: list[str]) -> list[str]:
        return [pair.split(PAIR)[index] for pair in pairs]

    return split


CLAIMS = Table(
    "claims",
    "Claims",
    "One row per claim: an atomic assertion of the sources.",
    [
        Column(
            "id",
            "integer",
            "Claim id (stable permalink /claims/<id>/).",
            constraints={"required": True, "unique": True},
        ),
        Column("statement", "text", "The assertion, in plain English.", constraints={"required": True}),
        *_date_columns("claim"),
        Column(
            "status",
            "text",
            "Derived: contested if it conflicts with another public claim, else corroborated if "
            "published sources of at least two independent origins cite it (citations under review not "
            "counted), else single-source.",
            constraints={"required": True, "enum": list(Claim.Status.values)},
        ),
        Column("people", "many", "People the claim is about. " + SLUGS, _claim_people),
        Column("event", "text", "Slug of the event it belongs to, if any.", "event__slug"),
        Column("tags", "many", "Themes. " + SLUGS, _claim_tags),
        Column(
            "sources",
            "many",
            "Sources citing it. " + SLUGS + " Aligned with source_files.",
            _cited_sources,
            split=_halves(0),
        ),
        Column(
            "source_files",
            "many",
            "Original file names of those sources, in the same order as sources, joined with ';'.",
            _cited_sources,
            split=_halves(1),
        ),
        # Counted from the sources' gathered citations, one per passage: the query reads them once for all three.
        Column("citation_count", "count", "Number of cited passages.", _cited_sources),
        Column(
            "independent_sources",
            "integer",
            "Independent origins among the published sources citing it: "
            "sources that derive from one another (a capture of a page and the page, a copy, a translation) "
            "count once; citations under review do not count.",
            lambda public: independent_origins("pk"),
            constraints={"minimum": 0},
        ),
        Column(
            "source_error",
            "text",
            "An editorial flag: the statement is faithful to its source, but the source "
            "is wrong here; why, in a sentence. Empty when none.",
        ),
        Column("note", "text", "The editors' note (Markdown): how the sources were read, what they disagree on."),
        Column(
            "conflicts_with",
            "many",
            "Ids of the public claims it conflicts with, joined with ';' (the notes are in the claim pages).",
            _conflicting,
            items="integer",
        ),
        Column(
            "url", "url", "Absolute URL of the claim's page.", lambda public: url_of("sources:claim-detail", F("id"))
        ),
    ],
    "id",
    _claim_rows,
    [{"fields": "event", "reference": {"resource": "events", "fields": "slug"}}],
    filtered_by_claims=True,
)


# --------------------------------------------------------------------------- citations


def _citation_rows(claims=None, public: bool = True):
    citations = Citation.objects.public() if public else Citation.objects.all()
    if claims is None:
        return citations
    # A correlated EXISTS, not claim__in=...: SQLite would re-run an IN subquery for every citation.
    return citations.filter(Exists(_claim_rows(claims, public).filter(pk=OuterRef("claim_id"))))


CITATIONS = Table(
    "citations",
    "Citations",
    "One row per cited passage: source.text[start:end] == quote.",
    [
        Column("id", "integer", "Citation id.", constraints={"required": True, "unique": True}),
        Column("claim_id", "integer", "The claim it supports.", constraints={"required": True}),
        Column("source", "text", "Slug of the source.", "source__slug", constraints={"required": True}),
        Column("source_file", "text", "The source's original file name.", "source__file_name"),
        Column("quote", "text", "The exact passage, verbatim.", constraints={"required": True}),
        Column(
            "start",
            "integer",
            "Offset of the first character (Unicode code points) in the source text.",
            constraints={"required": True, "minimum": 0},
        ),
        Column("end", "integer", "Offset just past the last character.", constraints={"required": True, "minimum": 1}),
        Column(
            "needs_review",
            "boolean",
            "true when the source text changed and the passage was found only "
            "approximately (or its context changed): shown as under review, and not counted as corroboration "
            "until an editor has checked it.",
        ),
        Column(
            "url",
            "url",
            "The highlighted passage on the source page: <origin>/sources/<slug>/#cite-<id>.",
            lambda public: url_of("sources:detail", F("source__slug"), "#cite-", F("id")),
        ),
    ],
    "id",
    _citation_rows,
    [
        {"fields": "claim_id", "reference": {"resource": "claims", "fields": "id"}},
        {"fields": "source", "reference": {"resource": "sources", "fields": "slug"}},
    ],
    filtered_by_claims=True,
)


# --------------------------------------------------------------------------- sources, people, events


def _source_rows(claims=None, public: bool = True):
    return Source.objects.public()


def _public_parent(public: bool):
    # The source it derives from is named only when that one is public too: no draft's slug in an export.
    return Case(When(derived_from__is_published=True, then=F("derived_from__slug")), default=Value(""))


SOURCES = Table(
    "sources",
    "Sources",
    "The documents the claims are drawn from, stored verbatim.",
    [
        Column("slug", "text", "Source slug.", constraints={"required": True, "unique": True}),
        Column("title", "text", "Title."),
        Column("short_title", "text", "The short label the site uses for it in lists and notes."),
        Column("publisher", "text", "Site or book that published it."),
        Column("author", "text", "Author, when known."),
        Column("kind", "text", "article, wiki-page, book, book-page, ..."),
        Column("published", "text", "Publication date (EDTF), when the source gives one.", "publication_date"),
        Column("file_name", "text", "Original file name."),
        Column("sha256", "text", "SHA-256 of the text as UTF-8.", constraints={"pattern": "[0-9a-f]{64}"}),
        Column(
            "derived_from",
            "text",
            "Slug of the source this text is a capture, copy, excerpt or translation of "
            "(empty when none): the two are one origin.",
            _public_parent,
        ),
        Column("claim_count", "integer", "Public claims citing it."),
        Column(
            "url",
            "url",
            "Absolute URL of the source's reading page.",
            lambda public: url_of("sources:detail", F("slug")),
        ),
    ],
    "slug",
    _source_rows,
    [{"fields": "derived_from", "reference": {"resource": "sources", "fields": "slug"}}],
)


def _aliases(values: list[str]) -> list[str]:
    return [alias for value in values for alias in value.splitlines() if alias.strip()]


PEOPLE = Table(
    "people",
    "People",
    "Everyone the sources name.",
    [
        Column("slug", "text", "Person slug.", constraints={"required": True, "unique": True}),
        Column("name", "text", "Name."),
        Column("aliases", "many", "Spelling variants used by the sources, joined with ';'.", split=_aliases),
        Column("born", "text", "Birth date (EDTF)."),
        Column("died", "text", "Death date (EDTF)."),
        Column("claim_count", "integer", "Public claims about them.", "claim_count"),
        Column("url", "url", "Absolute URL of the person's page.", lambda public: url_of("people:detail", F("slug"))),
    ],
    "slug",
    lambda claims=None, public=True: Person.objects.all(),
)


def _event_people(public: bool):
    return gathered(Event.people.through.objects.filter(event=OuterRef("pk")), "event", "person__slug")


EVENTS = Table(
    "events",
    "Events",
    "The turning points.",
    [
        Column("slug", "text", "Event slug.", constraints={"required": True, "unique": True}),
        Column("title", "text", "Title."),
        *_date_columns("event"),
        Column("people", "many", "Participants. " + SLUGS, _event_people),
        Column("claim_count", "integer", "Public claims about it.", "claim_count"),
        Column("url", "url", "Absolute URL of the event's page.", lambda public: url_of("events:detail", F("slug"))),
    ],
    "slug",
    lambda claims=None, public=True: Event.objects.all(),
)


def _conflict_rows(claims=None, public: bool = True):
    pairs = (Conflict.objects.public() if public else Conflict.objects.all()).pairs()
    if claims is None:
        return pairs
    shown = _claim_rows(claims, public)
    return pairs.filter(
        Exists(shown.filter(pk=OuterRef("from_claim_id"))) | Exists(shown.filter(pk=OuterRef("to_claim_id")))
    )


CONFLICTS = Table(
    "conflicts",
    "Conflicts",
    "One row per pair of public claims that cannot both be true (each pair once), with "
    "the editors' note saying what each side says. With the claims list's filters: the pairs with a claim among "
    "those claims.",
    [
        Column(
            "claim_id",
            "integer",
            "One claim of the pair (the lower id).",
            "from_claim_id",
            constraints={"required": True},
        ),
        Column(
            "other_claim_id",
            "integer",
            "The other claim (the higher id).",
            "to_claim_id",
            constraints={"required": True},
        ),
        Column("note", "text", "The editors' note (Markdown): what each side says.", constraints={"required": True}),
    ],
    ["claim_id", "other_claim_id"],
    _conflict_rows,
    [
        {"fields": "claim_id", "reference": {"resource": "claims", "fields": "id"}},
        {"fields": "other_claim_id", "reference": {"resource": "claims", "fields": "id"}},
    ],
    filtered_by_claims=True,
    order=("from_claim_id", "to_claim_id"),
)


TABLES = {table.name: table for table in (CLAIMS, CITATIONS, SOURCES, PEOPLE, EVENTS, CONFLICTS)}
