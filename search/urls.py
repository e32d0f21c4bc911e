from django.urls import path

from . import views

app_name = "search"
urlpatterns = [
    path("claims/", views.claim_list, name="claim-list"),
    path("search/", views.search, name="search"),
]
