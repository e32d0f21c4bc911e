"""How well the assistant finds what curators found: leave-one-source-out, and a hand-labelled new source.

Leave-one-source-out, for each source S, inside a transaction that is rolled back: the claims only S cites
are removed (S is new: nobody has made claims from it yet) and S's citations are taken off the claims other
sources also cite. Then, run on S:

* **supports**: each claim that lost its citation should be among the top 3 supports (recall@3), and first
  (recall@1), of each sentence its passage in S overlapped. Where n claims share a sentence, at most one can be
  first, so recall@1 is also given as "among the first n" (``supports_recall_at_1_shared``; the same as first
  when a claim has its sentence to itself); ``supports_recall_at_1_ceiling`` is the most strict recall@1 any
  ranking could reach on these labels (one first place per sentence);
* **contradicts**: for each recorded conflict between a claim only S cited and a claim that stays, the one
  that stays should be among the top 3 contradictions of the sentences the removed claim was cited from;
* **uncovered**: a sentence of S that no claim cited should get no candidate (a share of those that get any).

The labelled case: a text nobody has made claims from, each sentence labelled by hand with the claims (by
key) it supports and contradicts; the same three figures.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from sources import services
from sources.models import Citation, Claim, Conflict, Source

from .suggest import suggest


@dataclass
class Tally:
    name: str
    counts: Counter = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.counts.update(other.counts)

    def ratio(self, hit: str, total: str) -> float | None:
        return self.counts[hit] / self.counts[total] if self.counts[total] else None

    def figures(self) -> dict:
        return {
            "supports": self.counts["supports"],
            "supports_recall_at_3": self.ratio("supports_at_3", "supports"),
            "supports_recall_at_1": self.ratio("supports_at_1", "supports"),
            "supports_recall_at_1_shared": self.ratio("supports_at_n", "supports"),
            "supports_recall_at_1_ceiling": self.ratio("sentences_supporting", "supports"),
            "contradictions": self.counts["contradicts"],
            "contradicts_recall_at_3": self.ratio("contradicts_at_3", "contradicts"),
            "uncovered_sentences": self.counts["uncovered"],
            "uncovered_with_candidates": self.ratio("uncovered_with_any", "uncovered"),
        }


class _Rollback(Exception):
    pass


def _score(tally: Tally, results, supports: dict[int, set[int]], contradicts: dict[int, set[int]], uncovered):
    """``supports``/``contradicts``: sentence index -> the claim ids expected there."""
    for i, result in enumerate(results):
        top_supports = [c.claim_id for c in result.supports()][:3]
        top_contradictions = [c.claim_id for c in result.contradicts()][:3]
        expected = supports.get(i, set())
        ranked = [c.claim_id for c in result.supports()]
        tally.counts["sentences_supporting"] += bool(expected)  # one first place per sentence: the ceiling
        for claim_id in expected:
            tally.counts["supports"] += 1
            tally.counts["supports_at_3"] += claim_id in top_supports
            tally.counts["supports_at_1"] += bool(top_supports) and top_supports[0] == claim_id
            # n claims sharing one sentence cannot all be first: "first" then means among the first n
            tally.counts["supports_at_n"] += claim_id in ranked[: max(1, len(expected))]
        for claim_id in contradicts.get(i, ()):
            tally.counts["contradicts"] += 1
            tally.counts["contradicts_at_3"] += claim_id in top_contradictions
        if i in uncovered:
            tally.counts["uncovered"] += 1
            tally.counts["uncovered_with_any"] += bool(result.candidates)


def leave_one_out(source: Source) -> Tally:
    tally = Tally(source.slug)
    citations = list(Citation.objects.public().values_list("claim_id", "source_id", "start", "end"))
    sources_of: dict[int, set[int]] = defaultdict(set)
    for claim_id, source_id, _, _ in citations:
        sources_of[claim_id].add(source_id)
    only_here = {claim_id for claim_id, ids in sources_of.items() if ids == {source.pk}}
    spans_here = [(claim_id, start, end) for claim_id, source_id, start, end in citations if source_id == source.pk]
    staying = set(sources_of) - only_here
    try:
        with transaction.atomic():
            Claim.objects.filter(pk__in=only_here).delete()
            Citation.objects.filter(source=source).delete()
            results = suggest(source)
            raise _Rollback
    except _Rollback:
        pass
    supports: dict[int, set[int]] = defaultdict(set)
    contradicts: dict[int, set[int]] = defaultdict(set)
    covered: set[int] = set()
    partners: dict[int, set[int]] = defaultdict(set)
    for a, b in Conflict.objects.public().values_list("from_claim_id", "to_claim_id"):
        partners[a].add(b)
    for i, result in enumerate(results):
        for claim_id, start, end in spans_here:
            if start < result.end and end > result.start:
                covered.add(i)
                if claim_id in staying:
                    supports[i].add(claim_id)
                else:
                    contradicts[i].update(partners[claim_id] & staying)
    _score(tally, results, supports, contradicts, uncovered=set(range(len(results))) - covered)
    return tally


def labelled(text: str, labels: list[dict], name: str = "labelled") -> Tally:
    """Run on ``text`` as a new draft source; ``labels``: [{"sentence", "supports": [key], "contradicts": [key]}]."""
    keys = dict(Claim.objects.filter(is_public=True).exclude(key=None).values_list("key", "pk"))
    unknown = sorted({k for label in labels for k in (*label["supports"], *label["contradicts"])} - set(keys))
    if unknown:
        raise ValueError(f"labels name claims that are not public: {', '.join(unknown)}")
    try:
        with transaction.atomic():
            source = Source(title="Evaluation text", slug="assistant-evaluation-text", text=text, is_published=False)
            services.source_save(source=source)
            results = suggest(source)
            raise _Rollback
    except _Rollback:
        pass
    by_text = {label["sentence"]: label for label in labels}
    missing = [r.text for r in results if r.text not in by_text]
    if missing:
        raise ValueError(f"{len(missing)} sentence(s) have no label, the first: {missing[0]!r}")
    supports = {i: {keys[k] for k in by_text[r.text]["supports"]} for i, r in enumerate(results)}
    contradicts = {i: {keys[k] for k in by_text[r.text]["contradicts"]} for i, r in enumerate(results)}
    uncovered = {i for i, r in enumerate(results) if not supports[i] and not contradicts[i]}
    tally = Tally(name)
    _score(tally, results, supports, contradicts, uncovered)
    return tally


def load_labels(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))
