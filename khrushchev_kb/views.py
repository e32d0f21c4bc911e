"""Pages that span every app."""

from django.http import HttpResponse
from django.shortcuts import redirect


def healthz(request):
    """A trivial answer for load balancers: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    return redirect("sources:claim-list")
