from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, render

from caching import tags as T
from caching.versioning import depends_on
from core.canonical import absolute

from .models import Event

PER_PAGE = 50
EVENT_SORTS = {
    "date": "date, earliest first",
    "-date": "date, latest first",
    "title": "title",
    "claims": "most claims",
}


def event_list(request):
    depends_on(request, T.CATALOG, T.COUNTS)
    sort = request.GET.get("sort", "date")
    if sort not in EVENT_SORTS:
        sort = "date"
    events = Event.objects.for_list()
    if sort == "-date":
        events = events.order_by(F("date_lower").desc(nulls_last=True), "title")
    elif sort == "title":
        events = events.order_by("title", "pk")
    elif sort == "claims":
        events = events.order_by("-claim_count", "title", "pk")
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))  # counts stored by the write layer
    return render(request, "events/event_list.html", {"page": page, "sort": sort, "sorts": list(EVENT_SORTS.items())})


def event_detail(request, slug):
    depends_on(request, T.event(slug), T.CATALOG)
    event = get_object_or_404(Event.objects.for_detail(), slug=slug)
    claims = list(event.claims.public().for_event())
    by_source: dict = {}
    for claim in claims:
        for citation in claim.citations.all():
            group = by_source.setdefault(citation.source_id, {"source": citation.source, "claims": []})
            if claim not in group["claims"]:
                group["claims"].append(claim)
    groups = sorted(by_source.values(), key=lambda g: g["source"].file_name)
    return render(
        request,
        "events/event_detail.html",
        {"event": event, "claims": claims, "groups": groups, "jsonld": event_jsonld(request, event)},
    )


def event_jsonld(request, event):
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": absolute(event.get_absolute_url()),
        "eventStatus": "https://schema.org/EventScheduled",
    }
    if event.date_lower:
        data["startDate"] = event.date_lower.isoformat()
    if event.date_upper:
        data["endDate"] = event.date_upper.isoformat()
    if event.place:
        data["location"] = {"@type": "Place", "name": event.place}
    participants = [{"@type": "Person", "name": p.name} for p in event.people.all()]
    if participants:
        data["performer"] = participants
    return data
