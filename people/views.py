from django.shortcuts import get_object_or_404, render

from .models import Person


def person_list(request):
    return render(request, "people/person_list.html", {"people": Person.objects.all()})


def person_detail(request, slug):
    person = get_object_or_404(Person, slug=slug)
    claims = person.claims.for_list()
    return render(request, "people/person_detail.html", {"person": person, "claims": claims})
