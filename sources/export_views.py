"""HTTP exports under /export/: streamed CSV tables, the data package and a nested JSON of claims."""

import json

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

from . import exports
from .datapackage import descriptor
from .filters import ClaimFilters
from .models import Claim

FILTERABLE = {"claims", "citations"}


def _bad_filters(filters):
    text = "Some filters could not be applied:\n" + "\n".join(f"- {e}" for e in filters.errors) + "\n"
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


def export_csv(request, table):
    claims = Claim.objects.all()
    if table in FILTERABLE:
        filters = ClaimFilters.from_params(request.GET)
        if filters.errors:
            return _bad_filters(filters)
        claims = filters.apply(claims)
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in exports.table_lines(table, claims)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{table}.csv"'
    return response


def export_datapackage(request):
    response = JsonResponse(descriptor(), json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = 'inline; filename="datapackage.json"'
    return response


def export_claims_json(request):
    """Claims with their citations nested, for programs: a streamed JSON array."""
    filters = ClaimFilters.from_params(request.GET)
    if filters.errors:
        return _bad_filters(filters)
    claims = filters.apply(Claim.objects.public())
    return StreamingHttpResponse(_claims_json(claims), content_type="application/json")


def _claims_json(claims):
    from django.db.models import Prefetch

    from .querysets import cited_passages

    queryset = (
        claims.select_related("event")
        .prefetch_related(
            "people", "tags",
            Prefetch("conflicts", queryset=Claim.objects.public().only("id")),
            Prefetch("citations", queryset=cited_passages().order_by("id")),
        )
        .order_by("id")
    )  # fmt: skip
    yield "[\n"
    first = True
    for claim in queryset.iterator(chunk_size=exports.CHUNK):
        item = {
            "id": claim.pk,
            "statement": claim.statement,
            "date": claim.date,
            "date_start": exports.iso(claim.date_lower) or None,
            "date_end": exports.iso(claim.date_upper) or None,
            "status": claim.status,
            "people": sorted(p.slug for p in claim.people.all()),
            "event": claim.event.slug if claim.event else None,
            "tags": sorted(t.slug for t in claim.tags.all()),
            "conflicts_with": sorted(c.pk for c in claim.conflicts.all()),
            "note": claim.note,
            "url": claim.get_absolute_url(),
            "citations": [
                {
                    "id": c.pk,
                    "source": c.source.slug,
                    "source_file": c.source.file_name,
                    "quote": c.quote,
                    "start": c.start,
                    "end": c.end,
                    "url": c.get_absolute_url(),
                }
                for c in claim.citations.all()
            ],
        }
        yield ("" if first else ",\n") + json.dumps(item, ensure_ascii=False)
        first = False
    yield "\n]\n"
