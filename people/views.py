from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from caching import tags as T
from caching.versioning import depends_on
from core.canonical import absolute

from .models import Person

PER_PAGE = 50  # cards: a page a reader scans, rendered in a few milliseconds
PERSON_SORTS = {
    "name": ("name", ["name", "pk"]),
    "born": ("date of birth", ["born", "name", "pk"]),
    "claims": ("most claims", ["-claim_count", "name", "pk"]),
}


def person_list(request):
    depends_on(request, T.CATALOG, T.COUNTS)  # names, and each one's claims counted
    sort = request.GET.get("sort", "name")
    if sort not in PERSON_SORTS:
        sort = "name"
    # The stored counts (kept by the write layer): a page costs the same with 100 claims or 100,000.
    page = Paginator(Person.objects.for_list().order_by(*PERSON_SORTS[sort][1]), PER_PAGE).get_page(
        request.GET.get("page")
    )
    sorts = [(name, label) for name, (label, _) in PERSON_SORTS.items()]
    return render(request, "people/person_list.html", {"page": page, "sort": sort, "sorts": sorts})


def person_detail(request, slug):
    depends_on(request, T.person(slug), T.CATALOG)  # each edit of one of their claims names them
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
