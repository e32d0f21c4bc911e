from django.urls import path, re_path

from . import views
from .tables import TABLES

app_name = "exports"
urlpatterns = [
    path("export/datapackage.json", views.export_file, {"name": "datapackage.json"}, name="datapackage"),
    path("export/claims.json", views.export_file, {"name": "claims.json"}, name="claims-json"),
    path("export/annotations.jsonld", views.export_file, {"name": "annotations.jsonld"}, name="annotations"),
    re_path(rf"^export/(?P<table>{'|'.join(TABLES)})\.csv$", views.export_csv, name="csv"),
]
