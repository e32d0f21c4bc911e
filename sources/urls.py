from django.urls import path, re_path

from . import export_views, views

app_name = "sources"
urlpatterns = [
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("sources/", views.source_list, name="list"),
    path("sources/<slug:slug>/", views.source_detail, name="detail"),
    path("export/datapackage.json", export_views.export_file, {"name": "datapackage.json"}, name="export-datapackage"),
    path("export/claims.json", export_views.export_file, {"name": "claims.json"}, name="export-claims-json"),
    re_path(
        r"^export/(?P<table>claims|citations|sources|people|events)\.csv$", export_views.export_csv, name="export-csv"
    ),
]
