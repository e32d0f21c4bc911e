"""The editors' review queue, shown on the admin index: citations whose source text changed under them."""

from django import template
from django.urls import reverse

from sources.models import Citation

register = template.Library()


@register.inclusion_tag("admin/review_queue.html")
def review_queue():
    count = Citation.objects.under_review().count()
    return {"count": count, "url": reverse("admin:sources_citation_changelist") + "?needs_review__exact=1"}
