"""The claim admin's "Export selected claims as CSV" (the /export/claims.csv columns, drafts included)."""

from django.contrib import admin
from django.http import StreamingHttpResponse

from sources.models import Claim

from .tables import TABLES
from .writers import csv_lines, table_rows


@admin.action(description="Export selected claims as CSV (the /export/claims.csv columns)")
def export_claims_csv(modeladmin, request, queryset):
    """Editors export what they selected, drafts too (the public exports never hold one)."""
    table = TABLES["claims"]
    selected = Claim.objects.filter(pk__in=queryset.values("pk"))  # not the changelist's own annotations
    lines = csv_lines(table, table_rows(table, selected, public=False))
    response = StreamingHttpResponse((line.encode("utf-8") for line in lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="claims-selected.csv"'
    return response
