from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from core.canonical import absolute

from .models import Person


def person_list(request):
    page = Paginator(Person.objects.for_list(), 100).get_page(request.GET.get("page"))
    return render(request, "people/person_list.html", {"page": page})


def person_detail(request, slug):
    person = get_object_or_404(Person.objects.for_detail(), slug=slug)
    page = Paginator(person.claims.public().for_list(), 100).get_page(request.GET.get("page"))
    return render(
        request, "people/person_detail.html", {"person": person, "page": page, "jsonld": person_jsonld(request, person)}
    )


def person_jsonld(request, person):
    data = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": person.name,
        "url": absolute(person.get_absolute_url()),
    }
    if person.alias_list:
        data["alternateName"] = person.alias_list
    if person.born:
        data["birthDate"] = person.born
    if person.died:
        data["deathDate"] = person.died
    return data
