"""Claims and sources pages."""

import datetime
import html

from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe

from caching.paging import cached_page

from . import citing, reading
from .filters import ClaimFilters, filters_form
from .models import Claim, Source
from .sentences import coverage

PER_PAGE = 50


def claim_list(request):
    filters = ClaimFilters.from_params(request.GET)
    claims = filters.apply(Claim.objects.public().for_list())
    page = cached_page(request, "claims", claims, PER_PAGE, filters.querystring())
    return render(
        request,
        "sources/claim_list.html",
        {"page": page, "filters": filters, "filters_form": filters_form(request, filters, full=True)},
        status=400 if filters.errors else 200,
    )


def claim_detail(request, pk):
    claim = get_object_or_404(Claim.objects.public().for_detail(), pk=pk)
    return render(
        request,
        "sources/claim_detail.html",
        {"claim": claim, "conflicts": list(claim.conflict_links.all()), "citations": list(claim.citations.all())},
    )


def source_list(request):
    sources = list(Source.objects.public().for_list())
    for source in sources:
        source.coverage = coverage(source.text, [(c.start, c.end) for c in source.citations.all()])
    return render(request, "sources/source_list.html", {"sources": sources})


def _figure_html(figures):
    by_name = {f.file_name: f for f in figures}

    def figure_html(name: str, caption: str) -> str:
        figure = by_name.get(name)
        if figure is not None and figure.image:
            alt = html.escape(figure.caption or caption or name, quote=True)
            return f'<span class="figure"><img src="{html.escape(figure.image.url)}" alt="{alt}" loading="lazy"></span>'
        return (
            f'<span class="figure figure-placeholder" title="{html.escape(name, quote=True)}">'
            f"Figure not uploaded yet: {html.escape(name)}</span>"
        )

    return figure_html


def source_detail(request, slug):
    source = get_object_or_404(Source.objects.public().for_reading(), slug=slug)
    citations = list(source.citations.all())
    passages = [
        reading.Passage(
            id=c.pk,
            start=c.start,
            end=c.end,
            href=c.claim.get_absolute_url(),
            label=f"Claim {c.claim_id}: {c.claim.statement}",
            css=f"status-{c.claim.status}",
        )
        for c in citations
    ]
    view = reading.render(source.text, passages, figure_html=_figure_html(source.figures.all()))
    claim_ids = {c.claim_id for c in citations}
    url = request.build_absolute_uri(source.get_absolute_url())
    accessed = datetime.date.today().isoformat()
    result = coverage(source.text, [(c.start, c.end) for c in citations])
    return render(
        request,
        "sources/source_detail.html",
        {
            "source": source,
            "reading": view,
            "reading_html": mark_safe(view.html),  # noqa: S308 - built by sources.reading, every text escaped
            "jsonld": source_jsonld(request, source, len(claim_ids)),
            "cite_plain": citing.plain(source, url, accessed),
            "cite_bibtex": citing.bibtex(source, url, accessed),
            "cite_csl": citing.csl_json(source, url, accessed),
            "citation_count": len(citations),
            "claim_count": len(claim_ids),
            "coverage": result,
        },
    )


def source_jsonld(request, source, claim_count):
    data = {
        "@context": "https://schema.org",
        "@type": "Article" if source.kind == Source.Kind.ARTICLE else "CreativeWork",
        "name": source.title,
        "url": request.build_absolute_uri(source.get_absolute_url()),
        "encodingFormat": "text/plain",
        "sha256": source.sha256,
        "commentCount": claim_count,
    }
    if source.publisher:
        data["publisher"] = {"@type": "Organization", "name": source.publisher}
    if source.author:
        data["author"] = {"@type": "Person", "name": source.author}
    if source.published:
        data["datePublished"] = source.published
    if source.url:
        data["sameAs"] = source.url
    return data
