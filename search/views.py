"""Finding claims: the filterable list of claims (``/claims/``) and the ranked search (``/search/``)."""

from django.shortcuts import render

from caching.paging import cached_page
from events.models import Event
from people.models import Person
from sources.models import Citation, Claim, Source

from . import engine
from .filters import ClaimFilters, filters_form

PER_PAGE = 50


def claim_list(request):
    filters = ClaimFilters.from_params(request.GET)
    claims = filters.apply(Claim.objects.public().for_list())
    page = cached_page(request, "claims", claims, PER_PAGE, filters.querystring())
    return render(
        request,
        "search/claim_list.html",
        {"page": page, "filters": filters, "filters_form": filters_form(request, filters, full=True)},
        status=400 if filters.errors else 200,
    )


def search(request):
    """Ranked search across claims (and their quotes), people, events and sources, matched words highlighted."""
    q = (request.GET.get("q") or "").strip()[:200]
    context = {"q": q, "searched": bool(q)}
    if q:
        hits = engine.search(q, limit=300)
        context["has_words"] = bool(engine.parse(q))
        context.update(_search_groups(hits))
    return render(request, "search/results.html", context)


def _search_groups(hits):
    """Turn ranked hits into objects, in rank order, with one query per kind."""
    ids = {kind: [h.obj_id for h in hits if h.kind == kind] for kind in engine.KINDS}
    quotes = (
        Citation.objects.public().select_related("source").defer("source__text", "source__notes").in_bulk(ids["quote"])
    )
    claim_ids = list(dict.fromkeys(ids["claim"] + [quotes[i].claim_id for i in ids["quote"] if i in quotes]))
    claims = Claim.objects.public().select_related("event").in_bulk(claim_ids)
    people = Person.objects.in_bulk(ids["person"])
    events = Event.objects.in_bulk(ids["event"])
    sources = Source.objects.public().only("slug", "title", "publisher").in_bulk(ids["source"])
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
        "claim_results": list(claim_results.values())[:100],
        "people": ordered("person", people),
        "events": ordered("event", events),
        "sources": ordered("source", sources),
    }
