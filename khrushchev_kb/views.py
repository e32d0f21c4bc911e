"""Pages that span every app: the timeline, the disputes, tags, search and the health check."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from taggit.models import Tag

from events.models import Event
from people.models import Person
from sources.filters import ClaimFilters, filter_choices
from sources.models import Claim, Conflict, Source

from . import timeline as tl

TIMELINE_FILTERS = ("person", "tag", "source", "status")


def healthz(request):
    """A trivial answer for load balancers: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    """The timeline: claims and events by year, a density chart with the turning points marked."""
    filters = ClaimFilters.from_params(request.GET, allowed=TIMELINE_FILTERS)
    claims = list(filters.apply(Claim.objects.for_timeline()))
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
    page = Paginator(Conflict.objects.for_disputes(), 25).get_page(request.GET.get("page"))
    return render(request, "disputes.html", {"page": page})


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    claims = Paginator(Claim.objects.filter(tags=tag).for_list(), 50).get_page(request.GET.get("page"))
    events = Event.objects.filter(tags=tag).chronological()
    people = Person.objects.filter(tags=tag).order_by("name")
    sources = Source.objects.filter(tags=tag).order_by("file_name")
    return render(
        request,
        "tag_detail.html",
        {"tag": tag, "page": claims, "events": events, "people": people, "sources": sources},
    )


def search(request):
    q = (request.GET.get("q") or "").strip()[:200]
    results = {}
    if q:
        words = q.split()
        person_q = Q()
        event_q = Q()
        source_q = Q()
        for word in words:
            person_q &= Q(name__icontains=word) | Q(aliases__icontains=word) | Q(bio__icontains=word)
            event_q &= Q(title__icontains=word) | Q(summary__icontains=word) | Q(place__icontains=word)
            source_q &= Q(title__icontains=word) | Q(publisher__icontains=word) | Q(text__icontains=word)
        results = {
            "claims": Paginator(Claim.objects.matching(q).for_list(), 50).get_page(request.GET.get("page")),
            "people": Person.objects.filter(person_q).order_by("name")[:50],
            "events": Event.objects.filter(event_q).chronological()[:50],
            "sources": Source.objects.filter(source_q).order_by("file_name").only("slug", "title", "publisher")[:50],
        }
    return render(request, "search.html", {"q": q, **results})
