"""Claims and sources pages."""

import datetime
import html

from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe

from caching import tags as T
from caching.paging import cached_page
from caching.versioning import depends_on
from core.canonical import absolute

from . import cite_formats, evidence, reading
from .models import Claim, Source
from .sentences import coverage

PER_PAGE = 50


def claim_detail(request, pk):
    depends_on(request, T.claim(pk), T.CATALOG)  # a conflict partner's edit names this claim too
    claim = get_object_or_404(Claim.objects.public().for_detail(), pk=pk)
    citations = list(claim.citations.all())
    return render(
        request,
        "sources/claim_detail.html",
        {
            "claim": claim,
            "conflicts": list(claim.conflict_links.all()),
            "citations": citations,
            "evidence": evidence_in_words(citations),
            "permalink": absolute(claim.get_absolute_url()),
        },
    )


def evidence_in_words(citations) -> str:
    """How many sources and independent origins back a claim, and why they differ, in one sentence.

    "2 sources, 1 independent origin: “DailyHistory.org edit capture” derives from “DailyHistory.org wiki page”."
    """
    sources = list({c.source_id: c.source for c in citations}.values())
    counted = list({c.source_id: c.source for c in citations if not c.needs_review}.values())
    groups = evidence.origin_groups(counted)
    text = f"{len(sources)} source{'s' if len(sources) != 1 else ''}, {len(groups)} independent origin" + (
        "s" if len(groups) != 1 else ""
    )
    shared = [group for group in groups if len(group) > 1]
    if shared:
        by_id = {s.pk: s for s in sources}
        parts = []
        for group in shared:
            for source in group:
                parent = by_id.get(source.derived_from_id)
                if parent is not None:
                    parts.append(f"“{source.title}” derives from “{parent.title}”")
                elif source.derived_from_id is not None:
                    parts.append(f"“{source.title}” is a copy of another source")
        text += ": " + "; ".join(parts) + ", so they count once"
    reviewing = sum(1 for c in citations if c.needs_review)
    if reviewing:
        text += f"; {reviewing} passage{'s' if reviewing != 1 else ''} under review, not counted"
    return text + "."


SOURCES_PER_PAGE = 25  # a table row costs more to render than a card
SOURCE_SORTS = {
    "file": ("file name", ["file_name", "slug"]),
    "title": ("title", ["title", "slug"]),
    "claims": ("most claims", ["-claim_count", "slug"]),
    "coverage": ("least covered", ["cited_sentence_count", "slug"]),
}


def source_list(request):
    """The sources, paged and sortable; counts and coverage are stored by the write layer, not computed here."""
    sort = request.GET.get("sort", "file")
    if sort not in SOURCE_SORTS:
        sort = "file"
    depends_on(request, T.CATALOG, T.COUNTS)  # titles, and the stored counts and coverage
    sources = Source.objects.public().for_list().order_by(*SOURCE_SORTS[sort][1])
    page = cached_page(request, "sources", sources, SOURCES_PER_PAGE, tags=(T.CATALOG, T.COUNTS))
    sorts = [(name, label) for name, (label, _) in SOURCE_SORTS.items()]
    return render(request, "sources/source_list.html", {"page": page, "sort": sort, "sorts": sorts})


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
    depends_on(request, T.source(slug), T.CATALOG)  # each edit of a claim citing it names it
    source = get_object_or_404(Source.objects.public().for_reading(), slug=slug)
    citations = list(source.citations.all())
    passages = [
        reading.Passage(
            id=c.pk,
            start=c.start,
            end=c.end,
            href=c.claim.get_absolute_url(),
            label=f"Claim {c.claim_id}: {c.claim.statement}"
            + (" (the source text changed here; under review)" if c.needs_review else ""),
            css=f"status-{c.claim.status}" + (" needs-review" if c.needs_review else ""),
        )
        for c in citations
    ]
    view = reading.render(source.text, passages, figure_html=_figure_html(source.figures.all()))
    claim_ids = {c.claim_id for c in citations}
    url = absolute(source.get_absolute_url())
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
            "cite_plain": cite_formats.plain(source, url, accessed),
            "cite_bibtex": cite_formats.bibtex(source, url, accessed),
            "cite_csl": cite_formats.csl_json(source, url, accessed),
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
        "url": absolute(source.get_absolute_url()),
        "encodingFormat": "text/plain",
        "sha256": source.sha256,
        "commentCount": claim_count,
    }
    if source.publisher:
        data["publisher"] = {"@type": "Organization", "name": source.publisher}
    if source.author:
        data["author"] = {"@type": "Person", "name": source.author}
    if source.publication_date:
        data["datePublished"] = source.publication_date
    if source.url:
        data["sameAs"] = source.url
    return data
