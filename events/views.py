from django.shortcuts import get_object_or_404, render

from .models import Event


def event_list(request):
    return render(request, "events/event_list.html", {"events": Event.objects.prefetch_related("people")})


def event_detail(request, slug):
    event = get_object_or_404(Event.objects.prefetch_related("people"), slug=slug)
    return render(request, "events/event_detail.html", {"event": event, "claims": event.claims.for_list()})
