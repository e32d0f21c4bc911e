"""The assistant in the admin: a source's sentences with their suggestions, and one-click actions on them.

``/admin/assistant/source/<pk>/`` (linked from the source's change page). For each sentence: the claims it
may support, each with a form that cites the sentence (or the narrower quote the editor leaves in the box)
for that claim; the claims it may contradict, each with a form that makes a new claim from the sentence and
links it as conflicting, with the reason as the start of the note; and, where nothing matches, the admin's
"New claim from this passage". Every action goes through the write layer (``sources/services.py``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sources import services
from sources.models import Citation, Claim, Conflict, Source

from . import encoder
from .suggest import suggest

NEEDED = ("sources.add_citation", "sources.add_claim", "sources.add_conflict", "sources.view_source")


@require_http_methods(["GET", "POST"])
def source_suggestions(request, pk: int):
    if not request.user.has_perms(NEEDED):
        raise PermissionDenied
    source = get_object_or_404(Source, pk=pk)
    if request.method == "POST":
        return _act(request, source)
    results = suggest(source)
    statements = {
        claim.pk: claim
        for claim in Claim.objects.filter(pk__in={c.claim_id for r in results for c in r.candidates}).select_related(
            "event"
        )
    }
    add = reverse("admin:sources_claim_add")
    rows = []
    for number, result in enumerate(results, 1):
        rows.append(
            {
                "number": number,
                "result": result,
                "supports": [(c, statements[c.claim_id]) for c in result.supports() if c.claim_id in statements],
                "contradicts": [(c, statements[c.claim_id]) for c in result.contradicts() if c.claim_id in statements],
                "new_claim": f"{add}?"
                + urlencode({"cite_source": source.pk, "cite_start": result.start, "cite_quote": result.text}),
            }
        )
    context = {
        **admin.site.each_context(request),
        "title": f"Evidence assistant: {source.title}",
        "source": source,
        "rows": rows,
        "with_candidates": sum(1 for r in results if r.candidates),
        "method": "meaning and words" if encoder.available() else "words only (the embedding model is not installed)",
        "opts": Source._meta,
        "change_url": reverse("admin:sources_source_change", args=[source.pk]),
    }
    return TemplateResponse(request, "assistant/source_suggestions.html", context)


def _act(request, source: Source):
    back = reverse("assistant:source", args=[source.pk])
    try:
        start, end = int(request.POST["start"]), int(request.POST["end"])
        claim = Claim.objects.get(pk=int(request.POST["claim"]))
    except (KeyError, ValueError, Claim.DoesNotExist):
        messages.error(request, "That form was incomplete or named a claim that no longer exists; nothing changed.")
        return HttpResponseRedirect(back)
    quote = request.POST.get("quote", "").strip()
    position = source.text.find(quote, start, end) if quote else -1
    if position < 0:
        messages.error(request, "The quote must be words of the sentence, as the source writes them; nothing changed.")
        return HttpResponseRedirect(f"{back}#s{start}")
    action = request.POST.get("action")
    try:
        if action == "cite":
            services.citation_save(
                citation=Citation(claim=claim, source=source, quote=quote, start=position), reviewed=True
            )
            messages.success(request, f"Cited “{_short(quote)}” for claim {claim.pk}: {_short(claim.statement)}")
        elif action == "conflict":
            statement = request.POST.get("statement", "").strip()
            note = request.POST.get("note", "").strip()
            if not statement or not note:
                raise ValidationError("A new claim needs its statement, and a conflict needs a note.")
            with services.changing():
                new = services.claim_save(claim=Claim(statement=statement, published=bool(request.POST.get("publish"))))
                services.citation_save(
                    citation=Citation(claim=new, source=source, quote=quote, start=position), reviewed=True
                )
                services.conflict_save(conflict=Conflict(from_claim=new, to_claim=claim, note=note))
            url = reverse("admin:sources_claim_change", args=[new.pk])
            messages.success(
                request, f"New claim {new.pk} cites the sentence and conflicts with claim {claim.pk}; edit it at {url}"
            )
        else:
            messages.error(request, "Unknown action; nothing changed.")
    except ValidationError as error:
        messages.error(request, "Nothing changed: " + " ".join(error.messages))
    return HttpResponseRedirect(f"{back}#s{start}")


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
