"""HTTP exports under /export/: the files of the one builder (``exports/writers.py``), streamed.

``manage.py export_kb`` writes the same files from the same builder, so both give the same bytes.
"""

from django.http import Http404, HttpResponse, StreamingHttpResponse

from search.filters import ClaimFilters
from sources.models import Claim

from .writers import FILES, file_chunks


def _bad_filters(filters):
    text = "Some filters could not be applied:\n" + "\n".join(f"- {e}" for e in filters.errors) + "\n"
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


def export_file(request, name):
    """One export file; the claims and citations tables and claims.json take the claims list's filters."""
    if name not in FILES:
        raise Http404(f"No export named {name}")
    content_type, filtered, _ = FILES[name]
    claims = None
    if filtered:
        filters = ClaimFilters.from_params(request.GET)
        if filters.errors:
            return _bad_filters(filters)
        claims = filters.apply(Claim.objects.all())
    response = StreamingHttpResponse((chunk.encode("utf-8") for chunk in file_chunks(name, claims)), content_type)
    disposition = "attachment" if name.endswith(".csv") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response


def export_csv(request, table):
    return export_file(request, f"{table}.csv")
