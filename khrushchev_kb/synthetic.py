"""Synthetic data of realistic shape, to measure the site at scale (``manage.py generate_synthetic``).

For N claims: about N/200 sources with generated texts, N/50 people with
aliases, N/100 events, about 1.5 citations per claim quoting real sentences at
real offsets, dates over 1953–1971 in day, month, year and ranged precision (and
some undated), theme tags, and about 2 % of the claims in conflicting pairs.

Everything is deterministic for a seed, written with ``bulk_create`` (no
per-row signals, no history: this is test data, not editorial work), and marked:
slugs and claim keys start with ``synthetic-s<seed>-`` and every object carries
the tag ``synthetic``. ``remove()`` deletes exactly that.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime
import random
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Max
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from caching import versioning as caching
from core import content, period
from events.models import Event
from people.models import Person
from search import engine as search
from sources import anchoring, evidence, services
from sources.models import Citation, Claim, Conflict, Position, Source, text_sha256

TAG = "synthetic"
PREFIX = "synthetic-"
BATCH = 2000
THEMES = ["agriculture", "foreign-policy", "de-stalinization", "space", "military", "culture", "economy"]

FIRST = [
    "Pavel",
    "Ivan",
    "Anastas",
    "Yekaterina",
    "Dmitri",
    "Olga",
    "Sergei",
    "Nina",
    "Boris",
    "Mikhail",
    "Leonid",
    "Aleksei",
    "Vera",
    "Grigori",
    "Fyodor",
    "Lidia",
    "Andrei",
    "Yuri",
    "Tamara",
    "Konstantin",
]
LAST = [
    "Sokolov",
    "Morozov",
    "Volkov",
    "Lebedev",
    "Kozlov",
    "Novikov",
    "Pavlov",
    "Semyonov",
    "Golubev",
    "Vinogradov",
    "Bogdanov",
    "Vorobyov",
    "Fyodorov",
    "Mikhailov",
    "Belyaev",
    "Tarasov",
    "Belov",
    "Komarov",
    "Orlov",
    "Kiselyov",
]
PLACES = [
    "Moscow",
    "Kiev",
    "Leningrad",
    "Sverdlovsk",
    "Novosibirsk",
    "Tashkent",
    "Minsk",
    "Tbilisi",
    "Riga",
    "Baku",
    "Gorky",
    "Kharkov",
    "Odessa",
    "Alma-Ata",
    "Vladivostok",
]
VERBS = [
    "proposed",
    "opposed",
    "announced",
    "revised",
    "defended",
    "criticised",
    "approved",
    "postponed",
    "expanded",
    "cancelled",
]
OBJECTS = [
    "the maize programme",
    "the regional economic councils",
    "the housing plan",
    "the virgin lands campaign",
    "the missile budget",
    "the party reorganisation",
    "the grain procurement quotas",
    "the amnesty decree",
    "the school reform",
    "the chemical industry plan",
    "the trade agreement",
    "the troop reduction",
    "the publication of the memoir",
    "the collective farm merger",
    "the price increase",
]
BODIES = [
    "the Presidium",
    "the Central Committee plenum",
    "the Council of Ministers",
    "the regional committee",
    "the Supreme Soviet",
]


@dataclass
class Plan:
    """What one run writes, before it is written; built from the seed alone."""

    seed: int
    people: list[Person] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)  # column values; ids are given when written
    claim_people: list[tuple[int, int]] = field(default_factory=list)  # (claim index, person index)
    event_people: list[tuple[int, int]] = field(default_factory=list)
    citations: list[tuple[int, int, int, int, str]] = field(default_factory=list)  # claim, source, start, end, quote
    conflicts: list[tuple[int, int, str]] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)  # one per claim


def prefix(seed: int) -> str:
    return f"{PREFIX}s{seed}-"


def _date(rng: random.Random) -> tuple[str, datetime.date | None, datetime.date | None]:
    """An EDTF date with its bounds, computed here (parsing 100,000 dates would take minutes)."""
    year = rng.randint(period.FIRST_YEAR, period.LAST_YEAR)
    month = rng.randint(1, 12)
    last = calendar.monthrange(year, month)[1]
    day = rng.randint(1, last)
    kind = rng.random()
    if kind < 0.35:
        d = datetime.date(year, month, day)
        return d.isoformat(), d, d
    if kind < 0.60:
        return f"{year}-{month:02d}", datetime.date(year, month, 1), datetime.date(year, month, last)
    if kind < 0.78:
        return str(year), datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if kind < 0.84:
        end_day = min(last, day + rng.randint(1, 9))
        start, end = datetime.date(year, month, day), datetime.date(year, month, end_day)
        return f"{start.isoformat()}/{end.isoformat()}", start, end
    if kind < 0.90:
        end_year = min(period.LAST_YEAR, year + rng.randint(1, 3))
        return f"{year}/{end_year}", datetime.date(year, 1, 1), datetime.date(end_year, 12, 31)
    return "", None, None


def _humanized(date_text: str) -> str:
    from core.edtf_dates import humanize

    return humanize(date_text) if date_text else "at an unknown date"


def build(n_claims: int, seed: int) -> Plan:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    p = prefix(seed)
    plan = Plan(seed)
    n_sources, n_people, n_events = max(1, round(n_claims / 200)), max(2, n_claims // 50), max(1, n_claims // 100)

    for i in range(n_people):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last} ({i})"
        variants = [f"{first[0]}. {last}", last.replace("v", "w"), last.replace("yo", "e")]
        plan.people.append(
            Person(
                name=name,
                slug=f"{p}person-{i}",
                aliases="\n".join(dict.fromkeys(v for v in variants if v != last)),
                born=str(rng.randint(1890, 1925)),
                bio=f"A synthetic person generated for load tests (seed {seed}).",
            )
        )
    for i in range(n_events):
        date_text, lower, upper = _date(rng)
        plan.events.append(
            Event(
                title=f"{rng.choice(BODIES).capitalize()} meets in {rng.choice(PLACES)} ({i})",
                slug=f"{p}event-{i}",
                date=date_text,
                date_lower=lower,
                date_upper=upper,
                place=rng.choice(PLACES),
                summary="A synthetic event generated for load tests.",
                turning_point=rng.random() < 0.02,
            )
        )
        for person in rng.sample(range(n_people), k=min(n_people, 2)):
            plan.event_people.append((i, person))

    sentences: list[list[tuple[str, int | None]]] = [[] for _ in range(n_sources)]  # (sentence, claim index)
    for j in range(n_claims):
        date_text, lower, upper = _date(rng)
        people = rng.sample(range(n_people), k=1 if rng.random() < 0.7 else 2)
        actor = plan.people[people[0]].name.rsplit(" (", 1)[0]
        verb, obj, place = rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(PLACES)
        statement = f"{actor} {verb} {obj} in {place}"
        if date_text:
            statement += f" ({_humanized(date_text)})"
        plan.claims.append(
            {
                "key": f"{p}claim-{j}",
                "statement": statement + f" [{j}].",
                "date": date_text,
                "date_lower": lower,
                "date_upper": upper,
                "event": rng.randrange(n_events) if rng.random() < 0.3 else None,  # an index into plan.events
            }
        )
        plan.themes.append(rng.choice(THEMES))
        plan.claim_people += [(j, person) for person in people]
        sentence = (
            f"According to the file, {actor} {verb} {obj} before {rng.choice(BODIES)} "
            f"in {place} {_humanized(date_text)} (item {j})."
        )
        first_source = j % n_sources
        cited = [first_source]
        if n_sources > 1 and rng.random() < 0.5:
            cited.append((first_source + 1 + rng.randrange(n_sources - 1)) % n_sources)
        for s in cited:
            sentences[s].append((sentence, j))
    for s in range(n_sources):  # uncited context, as real sources have
        for k in range(max(1, len(sentences[s]) // 10)):
            position = rng.randrange(len(sentences[s]) + 1)
            sentences[s].insert(position, (f"The archive file continues with routine matters ({s}.{k}).", None))

    for s, lines in enumerate(sentences):
        parts, offset = [f"Synthetic archive file {s}\n\n"], 0
        offset = len(parts[0])
        for n, (sentence, claim_index) in enumerate(lines):
            if claim_index is not None:
                plan.citations.append((claim_index, s, offset, offset + len(sentence), sentence))
            separator = "\n\n" if n % 8 == 7 else " "
            parts.append(sentence + separator)
            offset += len(sentence) + len(separator)
        plan.sources.append(
            Source(
                title=f"Synthetic archive file {s} (seed {seed})",
                slug=f"{p}source-{s}",
                publisher="Synthetic Press",
                kind=Source.Kind.DOCUMENT,
                publication_date=str(rng.randint(1990, 2020)),
                file_name=f"{p}source-{s}.txt",
                text="".join(parts),
                sha256=text_sha256("".join(parts)),
                notes="Generated for load tests.",
            )
        )

    pairs = max(0, round(n_claims * 0.01))
    order = rng.sample(range(n_claims), k=min(n_claims, pairs * 2))
    for a, b in zip(order[0::2], order[1::2], strict=False):
        plan.conflicts.append((a, b, f"Synthetic disagreement between items {a} and {b}."))
    return plan


def _statuses(plan: Plan) -> list[str]:
    contested = {a for a, _, _ in plan.conflicts} | {b for _, b, _ in plan.conflicts}
    sources_per_claim: dict[int, set[int]] = {}
    for claim, source, *_ in plan.citations:
        sources_per_claim.setdefault(claim, set()).add(source)
    return [
        Claim.Status.CONTESTED
        if j in contested
        else Claim.Status.CORROBORATED
        if len(sources_per_claim.get(j, ())) >= 2
        else Claim.Status.SINGLE_SOURCE
        for j in range(len(plan.claims))
    ]


def exists(seed: int | None = None) -> bool:
    return Source.objects.filter(slug__startswith=prefix(seed) if seed is not None else PREFIX).exists()


class _Inserter:
    """Plain ``executemany`` inserts with ids given here: ``bulk_create`` spends most of its time building SQL.

    Ids continue from the table's largest; the tables are locked first on
    PostgreSQL (SQLite's write transaction already excludes other writers) and
    the id sequences are reset afterwards.
    """

    def __init__(self):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.models = []

    def next_ids(self, model, count: int) -> range:
        start = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        return range(start, start + count)

    def lock(self, *models) -> None:
        if self.connection.vendor == "postgresql":
            tables = ", ".join(self.connection.ops.quote_name(m._meta.db_table) for m in models)
            with self.connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")

    def insert(self, model, given: list[str], rows) -> None:
        """Insert ``rows`` (tuples of Python values for the ``given`` fields, by attname) into ``model``'s table.

        Every other concrete field of the model gets its default: the columns
        come from the model's metadata, so a field added to the model later needs
        nothing here (unless it has no default, which ``full_clean`` would refuse
        anyway). Values are prepared for the database by their fields.
        """
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(given) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no field(s) {sorted(unknown)}")
        defaults = {
            name: field.get_db_prep_save(field.get_default(), self.connection)
            for name, field in fields.items()
            if name not in given
        }
        prepare = [fields[name] for name in given]
        columns = [*given, *defaults]
        quote = self.connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(fields[c].column) for c in columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        rest = tuple(defaults.values())
        with self.connection.cursor() as cursor:
            batch = []
            for row in rows:
                values = tuple(f.get_db_prep_save(v, self.connection) for f, v in zip(prepare, row, strict=True))
                batch.append(values + rest)
                if len(batch) == BATCH:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
        self.models.append(model)

    def reset_sequences(self) -> None:
        from django.core.management.color import no_style

        statements = self.connection.ops.sequence_reset_sql(no_style(), self.models)
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def write(plan: Plan) -> dict[str, int]:
    """Insert the plan in bulk, in one transaction, ending in the state the write layer keeps (origins,
    public flags, statuses); then refresh the planner's statistics. Returns the counts written."""
    with transaction.atomic():
        if exists(plan.seed):
            raise ValueError(f"synthetic data for seed {plan.seed} is already there: remove it first (--remove)")
        with _search_index_deferred():
            counts = _write_rows(plan)
        evidence.refresh_origins()
        evidence.refresh_placement(None)  # undated claims are placed by their event
        evidence.refresh_source_figures([source.pk for source in plan.sources])
        caching.bump()
    content.refresh_planner_statistics()
    return counts


@contextlib.contextmanager
def _search_index_deferred():
    """On SQLite, index the new rows in one statement per kind (see search.sqlite_bulk_write)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor, search.sqlite_bulk_write(cursor, ["claim", "quote", "source"]):
        yield


def _write_rows(plan: Plan) -> dict[str, int]:
    Person.objects.bulk_create(plan.people, batch_size=BATCH)
    Event.objects.bulk_create(plan.events, batch_size=BATCH)
    Event.people.through.objects.bulk_create(
        [Event.people.through(event_id=plan.events[e].pk, person_id=plan.people[p].pk) for e, p in plan.event_people],
        batch_size=BATCH,
    )
    Source.objects.bulk_create(plan.sources, batch_size=50)  # few rows, large texts
    db = _Inserter()
    db.lock(Claim, Citation, Conflict, Claim.people.through, TaggedItem)
    claim_ids = db.next_ids(Claim, len(plan.claims))
    now = timezone.now()
    db.insert(
        Claim,
        [
            "id",
            "key",
            "statement",
            "date",
            "date_lower",
            "date_upper",
            "event_id",
            "is_public",
            "status",
            "created_at",
            "updated_at",
        ],
        (
            (
                claim_ids[j],
                c["key"],
                c["statement"],
                c["date"],
                c["date_lower"],
                c["date_upper"],
                plan.events[c["event"]].pk if c["event"] is not None else None,
                True,  # published (the default), and cited by a published source: every synthetic claim is public
                status,
                now,
                now,
            )
            for j, (c, status) in enumerate(zip(plan.claims, _statuses(plan), strict=True))
        ),
    )
    link_ids = db.next_ids(Claim.people.through, len(plan.claim_people))
    db.insert(
        Claim.people.through,
        ["id", "claim_id", "person_id"],
        ((link_ids[n], claim_ids[c], plan.people[p].pk) for n, (c, p) in enumerate(plan.claim_people)),
    )
    citation_ids = db.next_ids(Citation, len(plan.citations))
    texts = [(source.text, source.sha256) for source in plan.sources]
    db.insert(
        Citation,
        ["id", "claim_id", "source_id", "quote", "start", "end", "prefix", "suffix", "text_sha256", "needs_review"],
        (
            (
                citation_ids[n],
                claim_ids[c],
                plan.sources[s].pk,
                quote,
                start,
                end,
                *anchoring.context_of(texts[s][0], start, end),
                texts[s][1],
                False,
            )
            for n, (c, s, start, end, quote) in enumerate(plan.citations)
        ),
    )
    conflict_ids = db.next_ids(Conflict, 2 * len(plan.conflicts))
    rows = []
    for n, (a, b, note) in enumerate(plan.conflicts):
        rows += [
            (conflict_ids[2 * n], claim_ids[a], claim_ids[b], note),
            (conflict_ids[2 * n + 1], claim_ids[b], claim_ids[a], note),
        ]
    db.insert(Conflict, ["id", "from_claim_id", "to_claim_id", "note"], rows)
    _tag(db, plan, claim_ids)
    db.reset_sequences()
    return {
        "claims": len(plan.claims),
        "citations": len(plan.citations),
        "sources": len(plan.sources),
        "people": len(plan.people),
        "events": len(plan.events),
        "conflict pairs": len(plan.conflicts),
    }


def _tag(db: _Inserter, plan: Plan, claim_ids: range) -> None:
    tags = {name: Tag.objects.get_or_create(slug=name, defaults={"name": name})[0].pk for name in [TAG, *THEMES]}
    rows = []
    for model, objects in ((Person, plan.people), (Event, plan.events), (Source, plan.sources)):
        ct = ContentType.objects.get_for_model(model).pk
        rows += [(ct, o.pk, tags[TAG]) for o in objects]
    ct = ContentType.objects.get_for_model(Claim).pk
    for claim_id, theme in zip(claim_ids, plan.themes, strict=True):
        rows += [(ct, claim_id, tags[TAG]), (ct, claim_id, tags[theme])]
    ids = db.next_ids(TaggedItem, len(rows))
    db.insert(
        TaggedItem,
        ["id", "content_type_id", "object_id", "tag_id"],
        ((i, *row) for i, row in zip(ids, rows, strict=True)),
    )


def _raw_delete(queryset) -> int:
    # QuerySet._raw_delete: one DELETE statement, no per-row signals. Synthetic rows have no history to keep,
    # and the status refresh and history receivers would otherwise run once per row.
    return queryset._raw_delete(queryset.db)


def remove(seed: int | None = None) -> dict[str, int]:
    """Delete the synthetic data (of one seed, or all of it); returns the counts deleted."""
    with transaction.atomic():
        counts = _remove(seed)
    content.refresh_planner_statistics()
    return counts


def _remove(seed: int | None) -> dict[str, int]:
    start = prefix(seed) if seed is not None else PREFIX
    claims = Claim.objects.filter(key__startswith=start).values("pk")
    sources = Source.objects.filter(slug__startswith=start)
    foreign = Citation.objects.filter(source__in=sources).exclude(claim__in=claims)
    if foreign.exists():
        raise ValueError(
            f"{foreign.count()} citation(s) of real claims quote synthetic sources (e.g. citation "
            f"{foreign.first().pk}); delete or move them first"
        )
    people = Person.objects.filter(slug__startswith=start)
    events = Event.objects.filter(slug__startswith=start)
    _refuse_real_rows_pointing_at(start, claims, people, events)
    with services.changing() as touched:
        # Real claims lose their conflicts with synthetic ones, and real sources the synthetic claims' citations:
        # their statuses and figures are refreshed once the rows are gone.
        touched.claims.update(
            Conflict.objects.filter(to_claim__in=claims)
            .exclude(from_claim__in=claims)
            .values_list("from_claim", flat=True)
        )
        touched.sources.update(
            Citation.objects.filter(claim__in=claims).exclude(source__in=sources).values_list("source_id", flat=True)
        )
        with _search_index_deferred():
            counts = _delete_rows(start, claims, sources, people, events)
    # The tags the run created, once nothing uses them (a theme tag real data uses stays).
    Tag.objects.filter(slug__in=[TAG, *THEMES], taggit_taggeditem_items__isnull=True).delete()
    caching.bump()
    return counts


def _refuse_real_rows_pointing_at(start, claims, people, events) -> None:
    """Removing synthetic rows must not change real ones silently: a real claim dated by a synthetic event, or
    naming a synthetic person, is the editors' work; they decide first. (Conflicts are simply dropped.)"""
    real = Claim.objects.exclude(key__startswith=start)
    found = [
        (real.filter(event__in=events), "real claim(s) belong to synthetic events"),
        (real.filter(people__in=people), "real claim(s) name synthetic people"),
        (
            Event.objects.exclude(slug__startswith=start).filter(people__in=people),
            "real event(s) name synthetic people",
        ),
        (Position.objects.filter(claims__in=claims), "position(s) rest on synthetic claims"),
    ]
    problems = []
    for queryset, what in found:
        first = queryset.order_by("pk").first()
        if first is not None:
            problems.append(f"{queryset.distinct().count()} {what} (e.g. {first})")
    if problems:
        raise ValueError("nothing was removed: " + "; ".join(problems) + "; change or delete them first")


def _delete_rows(start, claims, sources, people, events) -> dict[str, int]:
    counts = {}
    _raw_delete(Conflict.objects.filter(from_claim__in=claims)) + _raw_delete(
        Conflict.objects.filter(to_claim__in=claims)
    )
    counts["citations"] = _raw_delete(Citation.objects.filter(claim__in=claims))
    _raw_delete(Claim.people.through.objects.filter(claim__in=claims))
    for model, queryset in (
        (Claim, claims),
        (Source, sources.values("pk")),
        (Person, people.values("pk")),
        (Event, events.values("pk")),
    ):
        ct = ContentType.objects.get_for_model(model)
        _raw_delete(TaggedItem.objects.filter(content_type=ct, object_id__in=queryset))
    counts["claims"] = _raw_delete(Claim.objects.filter(key__startswith=start))
    counts["sources"] = _raw_delete(sources)
    _raw_delete(Event.people.through.objects.filter(event__in=events.values("pk")))
    counts["events"] = _raw_delete(events)
    _raw_delete(Claim.people.through.objects.filter(person__in=people.values("pk")))
    counts["people"] = _raw_delete(people)
    return counts
