"""The claim admin's "Export selected claims as CSV" (the /export/claims.csv columns, drafts included)."""

from django.contrib import admin
from django.http import StreamingHttpResponse

from .tables import TABLES
from .writers import csv_lines, raw_rows, to_cell


@admin.action(description="Export selected claims as CSV (the /export/claims.csv columns)")
def export_claims_csv(modeladmin, request, queryset):
    """Editors export what they selected, drafts too (the public exports never hold one)."""
    table = TABLES["claims"]
    rows = (
        [to_cell(column, value) for column, value in zip(table.columns, raw, strict=True)]
        for raw in raw_rows(table, None, public=False).filter(pk__in=queryset.values("pk")).iterator()
    )
    lines = csv_lines(table, rows)
    response = StreamingHttpResponse((line.encode("utf-8") for line in lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="claims-selected.csv"'
    return response
