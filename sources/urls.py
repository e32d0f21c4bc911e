from django.urls import path

from . import views

app_name = "sources"
urlpatterns = [
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("sources/", views.source_list, name="list"),
    path("sources/<slug:slug>/", views.source_detail, name="detail"),
]
