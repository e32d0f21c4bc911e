"""Pages that span every app: the timeline, the disputes, tags, search and the health check."""

import datetime

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from caching import tags as T
from caching.paging import CountedPaginator, cached_page
from caching.versioning import cached, cached_many, depends_on
from core import period
from events.models import Event
from people.models import Person
from search.filters import FORM_TAGS, ClaimFilters, cache_tags, filters_form
from sources.models import Claim, Conflict, Source
from sources.querysets import public_tags

from . import chart
from . import timeline as tl

TIMELINE_FILTERS = ("person", "tag", "source", "status")


def healthz(request):
    """A trivial answer for load balancers: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    """The timeline. Overview: the chart, and each year's first claims and events; ``?year=`` pages through one year."""
    overview = not any((request.GET.get(name) or "").strip() for name in (*TIMELINE_FILTERS, "year"))
    # Before any row is read: the overview shows every year, each cached on its own (a claim's edit rebuilds its
    # year only); a year or a filtered view what cache_tags says.
    depends_on(request, T.POSITIONS, *(FORM_TAGS + tuple(T.every_year()) if overview else cache_tags(request.GET)))
    filters = ClaimFilters.from_params(request.GET, allowed=TIMELINE_FILTERS)
    raw_year = request.GET.get("year", "")
    year = tl.parse_year(raw_year) if raw_year else None
    if raw_year and year is None:
        filters.errors.append(f"“{raw_year[:20]}” is not a year: use a year such as 1964, or “undated”.")
    claims = filters.apply(Claim.objects.public())
    key = filters.querystring()
    store = not filters.errors  # a refused request's empty figures never reach the cache
    counts = cached(request, "timeline-counts", key, lambda: tl.counts(claims), store=store, tags=[T.COUNTS])
    context = {
        "filters": filters,
        # The list and CSV links keep every filter of the view, the year included.
        "list_query": filters.querystring(year=str(year)) if year is not None else filters.querystring(),
        "claim_total": sum(counts.values()),
        "year_totals": sorted(y for y in counts.years if y is not None),
        "undated_total": counts.get(None, 0),
        "filters_form": filters_form(request, filters, full=False),
    }
    context["chart"] = cached(
        request,
        "timeline-chart",
        key,
        lambda: _chart(counts, Event.objects.turning_points().for_timeline()),
        store=store,
        tags=[T.COUNTS, T.CATALOG, T.POSITIONS],
    )
    if year is not None and not filters.errors:
        context.update(_one_year(request, claims, year, counts))
        return render(request, "timeline_year.html", context)
    if overview:
        sections = _sections_by_year(request, claims, filters, counts)
    else:  # a filtered view: its sections depend on any claim (cache_tags), cached as one
        sections = cached(
            request,
            "timeline-sections",
            key,
            lambda: _sections(request, claims, filters, counts),
            store=store,
            tags=cache_tags(request.GET),
        )
    context["sections"] = mark_safe(sections)  # noqa: S308 - rendered by the template engine
    return render(request, "timeline.html", context, status=400 if filters.errors else 200)


SECTION_TAGS = (T.CATALOG,)  # besides its year: the names of the sources and events it shows


def _sections_by_year(request, claims, filters, counts) -> str:
    """The overview's year sections, each cached under its own year's tag: a write rebuilds the years it touched."""
    years = sorted(set(y for y in counts.years if y is not None) | set(_event_previews(request)))
    items = {str(y): (_year_tag(y), *SECTION_TAGS) for y in years}
    items[T.UNDATED] = (T.year(None), *SECTION_TAGS)

    def compute(missing: list[str]) -> dict[str, str]:
        wanted = [int(y) for y in missing if y != T.UNDATED]
        return _render_years(request, claims, filters, counts, wanted, T.UNDATED in missing)

    rendered = cached_many(request, "timeline-year", items, compute)
    return _assemble(request, [(y, rendered[str(y)]) for y in years], counts, rendered[T.UNDATED])


def _year_tag(year: int) -> str:
    """A year of the period has its own tag; the years outside it share one (a write there replaces both)."""
    return T.year(year) if period.FIRST_YEAR <= year <= period.LAST_YEAR else T.OUTSIDE


def _event_previews(request) -> dict[int, list[int]]:
    """Each year's first events, {year: ids}: one query, cached while no event changes."""
    return cached(
        request, "timeline-event-previews", "", lambda: tl.preview_event_ids(Event.objects.all()), tags=[T.CATALOG]
    )


def _in_years(queryset, years: list[int], date: str, undated: bool = False):
    where = Q()
    for y in years:
        where |= Q(**{f"{date}__gte": datetime.date(y, 1, 1), f"{date}__lte": datetime.date(y, 12, 31)})
    if undated:
        where |= Q(**{f"{date}__isnull": True})
    return queryset.filter(where) if where else queryset.none()


def _render_years(request, claims, filters, counts, years: list[int] | None, undated: bool) -> dict[str, str]:
    """Each of these years' section (None: every year's) and the undated claims', rendered: a few queries for any
    number of years."""
    shown_claims = claims if years is None else _in_years(claims, years, "timeline_date", undated)
    shown = list(Claim.objects.filter(pk__in=tl.preview_claims(shown_claims)).for_timeline())
    if filters.active:  # the events of the claims shown
        event_ids = {c.event_id for c in shown if c.event_id}
    else:  # each year's first events
        wanted = None if years is None else set(years)
        previews = _event_previews(request)
        event_ids = {pk for y, pks in previews.items() if wanted is None or y in wanted for pk in pks}
    events = list(Event.objects.filter(pk__in=event_ids).for_timeline()) if event_ids else []
    groups, undated_claims = tl.group_by_year(shown, events)
    out = {}
    for group in groups:
        group.total = counts.get(group.year, 0)
        group.url = "?" + filters.querystring(year=str(group.year))
        out[str(group.year)] = render_to_string("includes/timeline_year.html", {"group": group}, request)
    for y in years or []:
        out.setdefault(str(y), "")  # a year left with nothing to show
    context = {
        "undated": undated_claims,
        "undated_total": counts.get(None, 0),
        "undated_url": "?" + filters.querystring(year=tl.UNDATED),
    }
    out[T.UNDATED] = render_to_string("includes/timeline_undated.html", context, request) if undated_claims else ""
    return out


def _sections(request, claims, filters, counts) -> str:
    """A filtered view's sections, all of them at once."""
    rendered = _render_years(request, claims, filters, counts, None, True)
    years = sorted(int(y) for y in rendered if y != T.UNDATED and rendered[y])
    return _assemble(request, [(y, rendered[str(y)]) for y in years], counts, rendered[T.UNDATED])


def _assemble(request, years: list[tuple[int, str]], counts, undated_html: str) -> str:
    groups = [{"year": y, "html": mark_safe(html)} for y, html in years if html]  # noqa: S308 - rendered above
    context = {"years": groups, "undated": bool(undated_html), "undated_html": mark_safe(undated_html)}  # noqa: S308
    return render_to_string("includes/timeline_sections.html", context, request)


def _chart(counts, events) -> dict:
    """Both layouts of the chart (wide and tall), and the positions and turning points as a table."""
    by_status, by_event = counts.by_status, counts.by_event
    positions = tl.chart_positions()
    turning = [tl.turning_point(e) for e in events if e.turning_point and e.date_lower is not None]
    args = (period.FIRST_YEAR, period.LAST_YEAR, positions, turning, by_status, by_event)
    return {
        "wide": chart.wide(*args),
        "tall": chart.tall(*args),
        "positions": positions,
        "turning": turning,
        "claims": sum(sum(c.values()) for c in by_status.values()),
        "by_event": sum(by_event.values()),
    }


def _one_year(request, claims, year, counts):
    """One year of the timeline (or the claims it cannot place), paged: its events first, then its claims."""
    total = counts.get(None if year == tl.UNDATED else year, 0)
    page = CountedPaginator(tl.claims_in_year(claims, year).for_timeline(), 50, total).get_page(request.GET.get("page"))
    events = [] if year == tl.UNDATED else list(tl.in_year(Event.objects.all(), year).for_timeline()[:50])
    return {"year": year, "page": page, "year_events": events}


def disputes(request):
    depends_on(request, *DISPUTES_TAGS)
    page = cached_page(request, "disputes", Conflict.objects.public().for_disputes(), 25, tags=DISPUTES_TAGS)
    return render(request, "disputes.html", {"page": page})


DISPUTES_TAGS = (T.CONFLICTS, T.CATALOG)


def tag_detail(request, slug):
    tags = (T.theme(slug), T.CATALOG)  # its claims (each edit names its themes), and the people, events, sources
    depends_on(request, *tags)
    tag = get_object_or_404(public_tags(), slug=slug)
    claims = cached_page(
        request, "tag-claims", Claim.objects.public().filter(tags=tag).for_list(), 50, tag.slug, tags=tags
    )
    # The first few of each kind (a theme may carry thousands of people); their totals from the cached counts.
    shown = {
        "events": Event.objects.filter(tags=tag).chronological(),
        "people": Person.objects.filter(tags=tag).order_by("name"),
        "sources": Source.objects.public().filter(tags=tag).defer("text", "notes").order_by("file_name"),
    }
    totals = cached(request, "tag-totals", tag.slug, lambda: _tag_totals(tag), tags=tags)
    context = {kind: list(qs[:TAG_SHOWN]) for kind, qs in shown.items()}
    context.update({"tag": tag, "page": claims, "totals": totals, "shown_limit": TAG_SHOWN})
    return render(request, "tag_detail.html", context)


TAG_SHOWN = 30


def _tag_totals(tag) -> dict[str, int]:
    """How many events, people and (published) sources carry the theme: one grouped query."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count, Exists, OuterRef
    from taggit.models import TaggedItem

    kinds = {
        ContentType.objects.get_for_model(m).pk: name
        for m, name in ((Event, "events"), (Person, "people"), (Source, "sources"))
    }
    drafts = Source.objects.filter(is_published=False, pk=OuterRef("object_id"))
    source_type = next(pk for pk, name in kinds.items() if name == "sources")
    rows = (
        TaggedItem.objects.filter(tag=tag, content_type__in=list(kinds))
        .exclude(Q(content_type=source_type) & Exists(drafts))
        .values_list("content_type")
        .annotate(n=Count("pk"))
    )
    totals = dict.fromkeys(kinds.values(), 0)
    totals.update({kinds[content_type]: n for content_type, n in rows})
    return totals


def about(request):
    """What the knowledge base is built from, how claims are made, what statuses and dates mean."""
    depends_on(request, T.CATALOG, T.COUNTS)
    sources = Source.objects.public()
    shown = sources.defer("text", "notes").order_by("-claim_count", "file_name")[:ABOUT_SOURCES]
    return render(request, "about.html", {"sources": list(shown), "source_total": sources.count()})


ABOUT_SOURCES = 12  # the most-cited; the sources list has them all


def tag_list(request):
    """Every public theme, with how many public claims carry it."""
    depends_on(request, *TAG_TAGS)
    return render(request, "tag_list.html", {"tags": cached(request, "tag-list", "", _tags_with_counts, tags=TAG_TAGS)})


TAG_TAGS = (T.CATALOG, T.COUNTS)


def _tags_with_counts() -> list:
    """Every public theme with its number of public claims: counted over every claim, so cached."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count, Q

    claim_type = ContentType.objects.get_for_model(Claim)
    public_claims = Claim.objects.public().values("pk")
    tags = (
        public_tags()
        .annotate(
            claims=Count(
                "taggit_taggeditem_items",
                filter=Q(
                    taggit_taggeditem_items__content_type=claim_type,
                    taggit_taggeditem_items__object_id__in=public_claims,
                ),
                distinct=True,
            )
        )
        .order_by("name")
    )
    return [{"name": t.name, "slug": t.slug, "claims": t.claims} for t in tags]
