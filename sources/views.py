from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from .models import Claim, Source


def claim_list(request):
    page = Paginator(Claim.objects.for_list(), 50).get_page(request.GET.get("page"))
    return render(request, "sources/claim_list.html", {"page": page})


def claim_detail(request, pk):
    claim = get_object_or_404(Claim.objects.for_list(), pk=pk)
    return render(request, "sources/claim_detail.html", {"claim": claim})


def source_list(request):
    return render(request, "sources/source_list.html", {"sources": Source.objects.with_claim_counts()})


def source_detail(request, slug):
    source = get_object_or_404(Source, slug=slug)
    citations = source.citations.select_related("claim").order_by("start")
    return render(request, "sources/source_detail.html", {"source": source, "citations": citations})
