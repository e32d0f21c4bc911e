"""Pages that span every app: the timeline, the disputes, tags, search and the health check."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from taggit.models import Tag

from events.models import Event
from people.models import Person
from sources import search as search_engine
from sources.filters import ClaimFilters, filter_choices
from sources.models import Citation, Claim, Conflict, Source

from . import timeline as tl

TIMELINE_FILTERS = ("person", "tag", "source", "status")


def healthz(request):
    """A trivial answer for load balancers: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    """The timeline: claims and events by year, a density chart with the turning points marked."""
    filters = ClaimFilters.from_params(request.GET, allowed=TIMELINE_FILTERS)
    claims = list(filters.apply(Claim.objects.public().for_timeline()))
    events = list(Event.objects.for_timeline())
    if filters.active:
        shown_events = {c.event_id for c in claims}
        events = [e for e in events if e.pk in shown_events]
    years, undated = tl.group_by_year(claims, events)
    chart = tl.density_chart(tl.year_counts(claims), [e for e in events if e.turning_point])
    context = {
        "filters": filters,
        "years": years,
        "undated": undated,
        "chart": chart,
        "claim_total": len(claims),
        **filter_choices(),
    }
    return render(request, "timeline.html", context, status=400 if filters.errors else 200)


def disputes(request):
    page = Paginator(Conflict.objects.public().for_disputes(), 25).get_page(request.GET.get("page"))
    return render(request, "disputes.html", {"page": page})


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    claims = Paginator(Claim.objects.public().filter(tags=tag).for_list(), 50).get_page(request.GET.get("page"))
    events = Event.objects.filter(tags=tag).chronological()
    people = Person.objects.filter(tags=tag).order_by("name")
    sources = Source.objects.public().filter(tags=tag).order_by("file_name")
    return render(
        request,
        "tag_detail.html",
        {"tag": tag, "page": claims, "events": events, "people": people, "sources": sources},
    )


def search(request):
    """Ranked search across claims (and their quotes), people, events and sources, matched words highlighted."""
    q = (request.GET.get("q") or "").strip()[:200]
    context = {"q": q, "searched": bool(q)}
    if q:
        hits = search_engine.search(q, limit=300)
        context["has_words"] = bool(search_engine.parse(q))
        context.update(_search_groups(hits))
    return render(request, "search.html", context)


def _search_groups(hits):
    """Turn ranked hits into objects, in rank order, with one query per kind."""
    ids = {kind: [h.obj_id for h in hits if h.kind == kind] for kind in search_engine.KINDS}
    quotes = Citation.objects.public().select_related("source").in_bulk(ids["quote"])
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
