"""Finding claims: the filterable list of claims (``/claims/``) and the ranked search (``/search/``)."""

from django.db.models import Count, F
from django.shortcuts import render

from caching.paging import cached_page
from caching.versioning import cached, depends_on
from events.models import Event
from people.models import Person
from sources.models import Citation, Claim, Source

from . import engine
from .filters import ClaimFilters, cache_tags, filters_form

PER_PAGE = 50
# "contested", "corroborated", "single-source": alphabetical order is the order readers want (the disputed
# first), so the status sort reads the column itself, not a CASE evaluated for every claim.
STATUS_ORDER = "status"  # tests/search/test_search.py checks the alphabetical order stays the wanted one


SORTS = {
    "date": ("date, earliest first", [F("timeline_date").asc(nulls_last=True), "date_upper", "id"]),
    "-date": ("date, latest first", [F("timeline_date").desc(nulls_last=True), "-date_upper", "-id"]),
    "status": (
        "status: contested, corroborated, single source",
        [STATUS_ORDER, F("timeline_date").asc(nulls_last=True), "id"],
    ),
}


def claim_list(request):
    """Every public claim, filtered, sorted (by date or status), with the counts of each facet of this view."""
    tags = cache_tags(request.GET)
    depends_on(request, *tags)
    filters = ClaimFilters.from_params(request.GET)
    sort = request.GET.get("sort", "date")
    if sort not in SORTS:
        filters.errors.append(f"Unknown sort “{sort[:20]}”: use one of {', '.join(SORTS)}.")
        sort = "date"
    claims = filters.apply(Claim.objects.public())
    key = filters.querystring()
    store = not filters.errors  # a refused request's empty figures never reach the cache
    ordered = claims.for_list().order_by(*SORTS[sort][1])
    page = cached_page(request, "claims", ordered, PER_PAGE, key, store=store, tags=tags)
    facets = cached(request, "claim-facets", key, lambda: facet_counts(claims, filters), store=store, tags=tags)
    return render(
        request,
        "search/claim_list.html",
        {
            "page": page,
            "filters": filters,
            "filters_form": filters_form(request, filters, full=True),
            "facets": facets,
            "sort": sort,
            "sorts": [(name, label) for name, (label, _) in SORTS.items()],
        },
        status=400 if filters.errors else 200,
    )


FACET_SIZE = 8


def facet_counts(claims, filters) -> list[dict]:
    """How many of these claims each status, person, theme and source has: one grouped query per facet, the
    largest first; each option is a link adding that filter (cached under the page's tags, per filters)."""
    from taggit.models import TaggedItem

    ids = claims.order_by().values("pk")
    groups = [
        ("status", "Status", claims.order_by().values_list("status", "status").annotate(n=Count("pk"))),
        (
            "person",
            "Person",
            Claim.people.through.objects.filter(claim__in=ids)
            .values_list("person__slug", "person__name")
            .annotate(n=Count("claim", distinct=True)),
        ),
        (
            "tag",
            "Theme",
            TaggedItem.objects.filter(content_type__app_label="sources", content_type__model="claim", object_id__in=ids)
            .values_list("tag__slug", "tag__name")
            .annotate(n=Count("object_id", distinct=True)),
        ),
        (
            "source",
            "Source",
            Citation.objects.public()
            .filter(claim__in=ids)
            .values_list("source__slug", "source__short_title")
            .annotate(n=Count("claim", distinct=True)),
        ),
    ]
    out = []
    for name, label, rows in groups:
        if name in filters.raw:
            continue
        options = sorted(rows, key=lambda row: (-row[2], str(row[1])))[:FACET_SIZE]
        if name == "status":
            options = [(value, Claim.Status(value).label, n) for value, _, n in options]
        out.append(
            {
                "label": label,
                "options": [(text or value, n, filters.querystring(**{name: value})) for value, text, n in options],
            }
        )
    return out


HITS = 300  # at most, of all kinds


def search(request):
    """Ranked search across claims (and their quotes), people, events and sources, matched words highlighted."""
    q = (request.GET.get("q") or "").strip()[:200]
    context = {"q": q, "searched": bool(q)}
    if q:
        terms = engine.forgive(engine.parse(q))
        hits = engine.search_terms(terms, limit=HITS)
        context["has_words"] = bool(terms)
        context.update(_search_groups(hits, terms, complete=len(hits) < HITS))
    return render(request, "search/results.html", context)


def _notes_last(results: list[dict], terms, complete: bool) -> list[dict]:
    """Claims found only through their editors' note come after those whose own words or quotes match, and
    say so: a claim is not about what its note discusses."""
    for r in results:
        r["note_only"] = not r["quotes"] and not engine.mentions(r["claim"].statement, terms)
    # When the hits are complete, a claim with a matching quote has that quote among them; when they were cut at
    # their limit, its quotes are read to make sure.
    ids = [] if complete else [r["claim"].pk for r in results if r["note_only"]]
    quotes: dict[int, list[str]] = {}
    if ids:
        for claim_id, quote in Citation.objects.public().filter(claim__in=ids).values_list("claim_id", "quote"):
            quotes.setdefault(claim_id, []).append(quote)
    for r in results:
        if r["note_only"] and any(engine.mentions(text, terms) for text in quotes.get(r["claim"].pk, [])):
            r["note_only"] = False
    return [r for r in results if not r["note_only"]] + [r for r in results if r["note_only"]]


def _search_groups(hits, terms, complete: bool):
    """Turn ranked hits into objects, in rank order, with one query per kind."""
    ids = {kind: [h.obj_id for h in hits if h.kind == kind] for kind in engine.KINDS}
    quotes = (
        Citation.objects.public().select_related("source").defer("source__text", "source__notes").in_bulk(ids["quote"])
    )
    claim_ids = list(dict.fromkeys(ids["claim"] + [quotes[i].claim_id for i in ids["quote"] if i in quotes]))
    claims = Claim.objects.public().select_related("event").in_bulk(claim_ids)
    people = Person.objects.in_bulk(ids["person"])
    events = Event.objects.in_bulk(ids["event"])
    sources = Source.objects.public().only("slug", "title", "short_title", "publisher").in_bulk(ids["source"])
    claim_results: dict[int, dict] = {}
    for hit in hits:
        if hit.kind == "claim" and hit.obj_id in claims:
            entry = claim_results.setdefault(hit.obj_id, {"claim": claims[hit.obj_id], "snippet": "", "quotes": []})
            entry["snippet"] = hit.snippet
        elif hit.kind == "quote" and hit.obj_id in quotes:
            citation = quotes[hit.obj_id]
            if citation.claim_id in claims:
                entry = claim_results.setdefault(
                    citation.claim_id, {"claim": claims[citation.claim_id], "snippet": "", "quotes": []}
                )
                entry["quotes"].append((citation, hit.snippet))

    def ordered(kind, objects):
        return [(objects[h.obj_id], h.snippet) for h in hits if h.kind == kind and h.obj_id in objects][:50]

    return {
        "claim_results": _notes_last(list(claim_results.values()), terms, complete)[:100],
        "people": ordered("person", people),
        "events": ordered("event", events),
        "sources": ordered("source", sources),
    }
