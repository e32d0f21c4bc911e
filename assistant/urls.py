from django.contrib import admin
from django.urls import path

from . import views

app_name = "assistant"

urlpatterns = [
    path("source/<int:pk>/", admin.site.admin_view(views.source_suggestions), name="source"),
]
