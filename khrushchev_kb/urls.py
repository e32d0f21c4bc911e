"""The site's URLs: each app's pages under its own prefix, the cross-app pages here."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, register_converter

from core.converters import UnicodeSlugConverter

from . import views

register_converter(UnicodeSlugConverter, "uslug")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("disputes/", views.disputes, name="disputes"),
    path("about/", views.about, name="about"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<uslug:slug>/", views.tag_detail, name="tag"),  # tags are named by editors, in any script
    path("admin/assistant/", include("assistant.urls")),  # before the admin's catch-all
    path("admin/", admin.site.urls),
    path("people/", include("people.urls")),
    path("events/", include("events.urls")),
    path("", include("search.urls")),
    path("", include("exports.urls")),
    path("", include("sources.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
