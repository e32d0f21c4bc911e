"""Ranked full-text search across claims, quotes, people (with aliases), events and sources.

Two engines behind one interface, chosen by the database:

* SQLite: an FTS5 table ``kb_search`` (porter stemming, diacritics folded) kept in
  sync with every write by triggers on the content tables (migration
  ``0002_search_index``), ranked with ``bm25`` and highlighted with ``snippet``.
* PostgreSQL: the built-in full-text search (``to_tsvector('english', …)``) with
  GIN indexes on the same expressions, except for sources, whose long texts are
  parsed once per write into a stored column (migration
  ``0005_source_search_document``); ranked with ``ts_rank``, highlighted with
  ``ts_headline``.

The user's text never reaches either query language as syntax: it is reduced to
words and "quoted phrases" of word characters; every word also matches as a
prefix (``Brezh`` finds Brezhnev), and a phrase matches its words in order.
Snippets come back with control-character markers, are HTML-escaped, and only
then get their ``<mark>`` tags.
"""

from __future__ import annotations

import contextlib
import html
import re
from dataclasses import dataclass

from django.db import connection

START, STOP = "\x02", "\x03"
MAX_TERMS = 12
WORD = re.compile(r"\w+", re.UNICODE)
PHRASE = re.compile(r"\"([^\"]*)\"")

KINDS = ("claim", "quote", "person", "event", "source")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or the words of a phrase
    alternatives: tuple[str, ...] = ()  # other spellings a single word also matches (names the reader misspelt)

    @property
    def phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.words[0], *self.alternatives)


@dataclass
class Hit:
    kind: str
    obj_id: int
    rank: float  # smaller is better
    snippet: str  # safe HTML with <mark>s


def parse(query: str) -> list[Term]:
    """Words and "quoted phrases" of the query, lower-cased; everything else is dropped."""
    query = (query or "")[:500]
    terms: list[Term] = []
    for phrase in PHRASE.findall(query):
        words = tuple(w.lower() for w in WORD.findall(phrase))
        if words:
            terms.append(Term(words))
    for word in WORD.findall(PHRASE.sub(" ", query)):
        terms.append(Term((word.lower(),)))
    seen, unique = set(), []
    for term in terms:
        if term not in seen:
            seen.add(term)
            unique.append(term)
    return unique[:MAX_TERMS]


def highlight(snippet: str) -> str:
    """Escape a snippet, then turn the engine's markers into <mark> elements."""
    escaped = html.escape(snippet or "")
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --------------------------------------------------------------------------- SQLite FTS5


def fts5_expression(terms: list[Term]) -> str:
    parts = []
    for term in terms:
        if term.phrase:
            parts.append('"' + " ".join(term.words) + '"')
        elif term.alternatives:
            parts.append("(" + " OR ".join(f'"{word}"*' for word in term.spellings) + ")")
        else:
            parts.append('"' + term.words[0] + '"*')
    return " AND ".join(parts)


def _sqlite_hits(terms: list[Term], kinds, limit: int) -> list[Hit]:
    placeholders = ", ".join(["%s"] * len(kinds))
    # Only placeholders are interpolated; every value is a query parameter.
    sql = (
        "SELECT kind, obj_id, bm25(kb_search, 0, 0, 4.0, 1.0) AS rank, "  # noqa: S608
        "snippet(kb_search, -1, char(2), char(3), '…', 16) FROM kb_search "
        "WHERE kb_search MATCH %s AND kind IN (" + placeholders + ") ORDER BY rank LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [fts5_expression(terms), *kinds, limit])
        return [Hit(kind, int(obj_id), rank, highlight(snippet)) for kind, obj_id, rank, snippet in cursor.fetchall()]


def _sqlite_claim_ids_sql(terms: list[Term]) -> tuple[str, list]:
    expression = fts5_expression(terms)
    sql = (
        "SELECT obj_id FROM kb_search WHERE kb_search MATCH %s AND kind = 'claim' "
        "UNION SELECT c.claim_id FROM kb_search JOIN sources_citation c ON c.id = kb_search.obj_id "
        "JOIN sources_source s ON s.id = c.source_id AND s.is_published "  # a draft source's quotes match nothing
        "WHERE kb_search MATCH %s AND kb_search.kind = 'quote'"
    )
    return sql, [expression, expression]


@dataclass(frozen=True)
class Document:
    """One kind of searched document, declared once: the SQLite triggers, the PostgreSQL queries and GIN
    indexes (migration ``sources/0002_search_index``) are all derived from it.

    ``title`` fields weigh more than ``body`` fields in the ranking. ``code`` makes
    the FTS5 rowid ``id * 8 + code``, so a trigger finds its row without a scan.
    """

    kind: str
    code: int
    app_label: str
    model_name: str
    title: tuple[str, ...]
    body: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        return f"{self.app_label}_{self.model_name}"

    @property
    def fields(self) -> list[str]:
        return [*self.title, *self.body]

    def sql(self, fields, row: str) -> str:
        """The fields of ``row`` (new, old or the table) joined by spaces, as one SQL expression."""
        return " || ' ' || ".join(f"coalesce({row}.{field}, '')" for field in fields) if fields else "''"


DOCUMENTS = [
    Document("claim", 1, "sources", "claim", ("statement",), ("note",)),
    Document("quote", 2, "sources", "citation", ("quote",)),
    Document("person", 3, "people", "person", ("name", "aliases"), ("bio",)),
    Document("event", 4, "events", "event", ("title", "place"), ("summary",)),
    Document("source", 5, "sources", "source", ("title", "publisher", "author"), ("text",)),
]
BY_KIND = {document.kind: document for document in DOCUMENTS}
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_search USING fts5(kind UNINDEXED, obj_id UNINDEXED, title, body, "
    "tokenize='porter unicode61 remove_diacritics 2')"
)


def sqlite_triggers(document: Document) -> dict[str, str]:
    """The three triggers keeping one kind of document in the index, by name."""
    kind, code, table = document.kind, document.code, document.table
    # Every interpolated piece is a constant of DOCUMENTS.
    insert = (
        f"INSERT INTO kb_search(rowid, kind, obj_id, title, body) "  # noqa: S608
        f"VALUES (new.id * 8 + {code}, '{kind}', new.id, "
        f"{document.sql(document.title, 'new')}, {document.sql(document.body, 'new')});"
    )
    delete = f"DELETE FROM kb_search WHERE rowid = old.id * 8 + {code};"  # noqa: S608
    return {
        f"kb_search_{kind}_ai": f"AFTER INSERT ON {table} BEGIN {insert} END",
        f"kb_search_{kind}_au": f"AFTER UPDATE ON {table} BEGIN {delete} {insert} END",
        f"kb_search_{kind}_ad": f"AFTER DELETE ON {table} BEGIN {delete} END",
    }


def ensure_sqlite_index(cursor) -> list[str]:
    """Create the index and any missing trigger, re-indexing each kind that missed one; returns those kinds.

    SQLite drops a table's triggers when a migration rebuilds the table (as
    adding a column with a default does), so this runs after every ``migrate``
    (``SourcesConfig.ready``), not only in the migration that first built it.
    """
    cursor.execute(SQLITE_TABLE)
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    present = {name for (name,) in cursor.fetchall()}
    repaired = []
    for document in DOCUMENTS:
        if all(name in present for name in sqlite_triggers(document)):
            continue
        repaired.append(document.kind)
    with sqlite_bulk_write(cursor, repaired):  # drops what is left of their triggers, re-creates all, re-indexes
        pass
    return repaired


@contextlib.contextmanager
def sqlite_bulk_write(cursor, kinds):
    """Bulk writes to the tables of ``kinds``: triggers off, then one re-index of those kinds.

    FTS5 is fast at one large INSERT ... SELECT and slow at many one-row
    statements (a trigger per row made a 100,000-claim load twenty times
    slower). Call inside the write transaction, so that no other writer can
    slip a row in while the triggers are off; SQLite's DDL is transactional,
    so a failure restores the triggers with everything else.
    """
    documents = [document for document in DOCUMENTS if document.kind in kinds]
    for document in documents:
        for name in sqlite_triggers(document):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    yield
    for document in documents:
        for name, sql in sqlite_triggers(document).items():
            cursor.execute(f"CREATE TRIGGER {name} {sql}")
        cursor.execute("DELETE FROM kb_search WHERE kind = %s", [document.kind])
        table = document.table
        cursor.execute(
            f"INSERT INTO kb_search(rowid, kind, obj_id, title, body) "  # noqa: S608 - constants of DOCUMENTS
            f"SELECT id * 8 + {document.code}, '{document.kind}', id, "
            f"{document.sql(document.title, table)}, {document.sql(document.body, table)} FROM {table}"
        )


# --------------------------------------------------------------------------- PostgreSQL


def tsquery(terms: list[Term]) -> str:
    """A raw tsquery of safe words: word:* for words, w1 <-> w2 for phrases."""
    parts = []
    for term in terms:
        if term.phrase:
            parts.append("(" + " <-> ".join(term.words) + ")")
        elif term.alternatives:
            parts.append("(" + " | ".join(f"{word}:*" for word in term.spellings) + ")")
        else:
            parts.append(term.words[0] + ":*")
    return " & ".join(parts)


def pg_documents():
    """{kind: (model, fields)}: what each kind is searched in; migration 0002 indexes the same expressions."""
    from django.apps import apps

    return {d.kind: (apps.get_model(d.app_label, d.model_name), d.fields) for d in DOCUMENTS}


def pg_vector(fields):
    from django.contrib.postgres.search import SearchVector

    return SearchVector(*fields, config="english")


def _pg_rank_vector(fields):
    """The first field (statement, name, title) weighs more than the rest, as bm25's weights do on SQLite."""
    from django.contrib.postgres.search import SearchVector

    vector = SearchVector(fields[0], weight="A", config="english")
    if len(fields) > 1:
        vector = vector + SearchVector(*fields[1:], weight="B", config="english")
    return vector


def _pg_headline_source(kind, fields):
    from django.db.models import F, TextField, Value
    from django.db.models.functions import Cast, Coalesce, Concat

    if kind == "source":
        return F("text")
    parts = []
    for field in fields:
        parts += [
            Coalesce(Cast(F(field), TextField()), Value("", output_field=TextField())),
            Value(" ", output_field=TextField()),
        ]
    parts = parts[:-1]
    return parts[0] if len(parts) == 1 else Concat(*parts, output_field=TextField())


def _pg_hits(terms: list[Term], kinds, limit: int) -> list[Hit]:
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
    from django.db.models.expressions import RawSQL

    query = SearchQuery(tsquery(terms), search_type="raw", config="english")
    hits: list[Hit] = []
    for kind in kinds:
        model, fields = pg_documents()[kind]
        if kind == "source":  # the stored, weighted column of migration 0005: long texts are parsed once per write
            document = rank_vector = RawSQL('"sources_source"."search_document"', [], output_field=SearchVectorField())
        else:  # short fields: the GIN-indexed expression
            document, rank_vector = pg_vector(fields), _pg_rank_vector(fields)
        rows = (
            model.objects.annotate(document=document)
            .filter(document=query)
            .annotate(
                rank=SearchRank(rank_vector, query),
                headline=SearchHeadline(
                    _pg_headline_source(kind, fields),
                    query,
                    config="english",
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=30,
                    min_words=12,
                ),
            )
            .order_by("-rank", "pk")
            .values_list("pk", "rank", "headline")[:limit]
        )
        hits += [Hit(kind, pk, -float(rank), highlight(headline)) for pk, rank, headline in rows]
    hits.sort(key=lambda h: (h.rank, h.kind, h.obj_id))
    return hits[:limit]


# --------------------------------------------------------------------------- interface


# --------------------------------------------------------------------------- forgiving names


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count one), or limit + 1 once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_distance(word: str) -> int:
    """Typos forgiven in a name: none in short words, one from five letters, two from seven ("kruschev")."""
    return 0 if len(word) < 5 else 1 if len(word) < 7 else 2


@dataclass
class NameIndex:
    """Every word of every person's name and aliases (four letters or more), lower-cased, once each: the people
    who use it, and each person's own name words. Synthetic and real name lists repeat words a lot, so the
    typo search compares a query word with a few hundred distinct words, not with every person's."""

    people: dict[str, list[int]]  # word: indexes into canonical
    canonical: list[list[str]]  # each person's name words


_names_memo: dict[str, NameIndex] = {}


def name_spellings() -> NameIndex:
    """The name index, rebuilt when the catalog changes; kept in the cache and, unpickled, in this process."""
    from django.core.cache import cache

    from caching import tags as T
    from caching.versioning import current_version
    from people.models import Person

    key = f"search-names:{current_version(T.CATALOG)}"
    index = _names_memo.get(key)
    if index is not None:
        return index
    index = cache.get(key)
    if index is None:
        index = NameIndex({}, [])
        for name, aliases in Person.objects.order_by("pk").values_list("name", "aliases"):
            canonical = [w.lower() for w in WORD.findall(name)]
            words = set(canonical) | {w.lower() for w in WORD.findall(aliases or "")}
            for word in sorted(w for w in words if len(w) >= 4):
                index.people.setdefault(word, []).append(len(index.canonical))
            index.canonical.append([w for w in canonical if len(w) >= 4])
        cache.set(key, index, 3600)
    _names_memo.clear()  # one version at a time
    _names_memo[key] = index
    return index


def forgive(terms: list[Term]) -> list[Term]:
    """Single words that are a person's name or alias, misspelt or not, also match that person's name.

    "kruschev" and "Krushchev" find Khrushchev (and his claims, which spell him
    so); "khruschev", an alias the sources use, finds the claims that say
    "Khrushchev" too.
    """
    index = name_spellings()
    out = []
    for term in terms:
        word = term.words[0]
        if term.phrase or len(word) < 4:
            out.append(term)
            continue
        limit = allowed_distance(word)
        near = sorted(
            w for w in index.people if abs(len(w) - len(word)) <= limit and edit_distance(word, w, limit) <= limit
        )
        users = {w: set(index.people[w]) for w in near}
        people = sorted(set().union(*users.values()))
        extra: list[str] = []
        for person in people:
            canonical = index.canonical[person]
            nearest = min(canonical, key=lambda name: edit_distance(word, name, 99), default=None)
            mine = [w for w in near if person in users[w]]
            for candidate in (nearest, *mine):
                if candidate and candidate != word and candidate not in extra and len(extra) < 6:
                    extra.append(candidate)
        out.append(Term(term.words, tuple(extra)) if extra else term)
    return out


def mentions(text: str, terms: list[Term]) -> bool:
    """Whether any term (any of its spellings, as a word prefix; a phrase, word by word) occurs in ``text``."""
    words = [w.lower() for w in WORD.findall(text or "")]
    joined = " ".join(words)
    for term in terms:
        if term.phrase and " ".join(term.words) in joined:
            return True
        if not term.phrase and any(w.startswith(spelling) for spelling in term.spellings for w in words):
            return True
    return False


def search(query: str, *, kinds=KINDS, limit: int = 200) -> list[Hit]:
    """Ranked hits, best first; [] for a query with no words."""
    return search_terms(forgive(parse(query)), kinds=kinds, limit=limit)


def search_terms(terms: list[Term], *, kinds=KINDS, limit: int = 200) -> list[Hit]:
    """``search`` for terms already parsed and forgiven (a page that also highlights them reads the names once)."""
    if not terms:
        return []
    kinds = [k for k in kinds if k in KINDS]
    return _pg_hits(terms, kinds, limit) if is_postgres() else _sqlite_hits(terms, kinds, limit)


def filter_claims(claims, query: str):
    """The claims whose statement, note or any quote matches, for the ``q`` filter of lists and exports."""
    terms = forgive(parse(query))
    if not terms:
        return claims.none()
    if is_postgres():
        from django.contrib.postgres.search import SearchQuery
        from django.db.models import Q

        from sources.models import Citation, Claim

        q = SearchQuery(tsquery(terms), search_type="raw", config="english")
        direct = Claim.objects.annotate(document=pg_vector(["statement", "note"])).filter(document=q).values("pk")
        quoted = Citation.objects.public().annotate(document=pg_vector(["quote"])).filter(document=q).values("claim_id")
        return claims.filter(Q(pk__in=direct) | Q(pk__in=quoted))
    from django.db.models.expressions import RawSQL

    sql, params = _sqlite_claim_ids_sql(terms)
    return claims.filter(pk__in=RawSQL(sql, params))  # noqa: S611 - constant SQL, the match expression is a parameter
