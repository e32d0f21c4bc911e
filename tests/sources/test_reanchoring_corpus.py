"""Re-anchoring against a corpus of generated edits of the real source texts: never a silent wrong anchor.

Each edit of a seed text (an insertion or deletion before, inside or after a cited
passage, a typo fixed inside a quote, a sentence duplicated next to itself or
elsewhere, a paragraph moved or deleted) is applied to the text together with a
map of where every character went, so for every citation of that source we know
the truth: where its passage now stands, or that the edit changed or removed it.
``anchoring.follow`` then decides for each citation, and:

* a citation kept silently must be exactly where the truth says (otherwise it is a
  *silent wrong anchor*, the failure web annotation tools are known for);
* a citation flagged for review must carry the words that stand at its new offsets;
* a citation whose passage is intact is never refused.

Measured on the five seed texts and their 518 citations (after the second curation
pass), 550 edits (seed 13, ``KB_CORPUS_EDITS=110``), 56,980 citation decisions
(2026-11-30): **silent wrong anchors 0**; kept silently 56,089 (98.4 %), flagged for
review 602 (1.1 %), refused 289 (0.5 %). Of the flagged, 357 had their passage changed
by the edit and 245 were intact passages whose context changed or that gained a copy
(the cautious side). That full run takes about 4 minutes on two cores, so the suite
runs the first 40 edits of each text (200 edits, about 20,000 decisions) by default.
Every refusal was a passage the edit had changed or deleted. A naive re-anchorer
(the first exact match, kept silently) makes silent wrong anchors on this corpus:
the test fails for it.

One case is worth knowing: when the generator still cut "sentences" at the point
of "1.2 million", a "duplicated sentence" rebuilt the quote "1.2 million again in
1961", with its whole 32-character context on both sides, out of the copy's end and
the original's tail. The re-anchorer kept it silently (the same words in the same
context: nothing in the texts tells them apart), and the strict truth here counted
it wrong because the edit had touched the original. The generator now duplicates
whole sentences only.
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from dataclasses import dataclass

import pytest
from django.conf import settings

from sources import anchoring
from sources.importer import load_fixtures, validate

pytestmark = pytest.mark.django_db

SEED = 13
EDITS_PER_SOURCE = int(os.environ.get("KB_CORPUS_EDITS", "40"))  # 110 for the full corpus measured above
FILLERS = [
    "In the original edition this paragraph was longer.",
    "Khrushchev",
    " (see below)",
    "The Presidium met again.",
    ", as noted above,",
    "1964",
    "\n\nAn inserted heading\n\n",
    " ",
]


@dataclass
class Edit:
    kind: str
    text: str
    segments: list[tuple[int, int, int]]  # (old start, old end, new start): stretches of the old text kept

    def where(self, start: int, end: int) -> tuple[int, int] | None:
        """Where the old passage [start, end) stands in the new text, or None if the edit touched it."""
        for old_start, old_end, new_start in self.segments:
            if old_start <= start and end <= old_end:
                return start - old_start + new_start, end - old_start + new_start
        return None


def replaced(text: str, a: int, b: int, new: str, kind: str) -> Edit:
    """``text`` with [a, b) replaced by ``new``."""
    return Edit(kind, text[:a] + new + text[b:], [(0, a, 0), (b, len(text), a + len(new))])


def moved(text: str, a: int, b: int, q: int) -> Edit:
    """``text`` with the stretch [a, b) moved to position q (outside it)."""
    if q >= b:
        new = text[:a] + text[b:q] + text[a:b] + text[q:]
        segments = [(0, a, 0), (b, q, a), (a, b, a + q - b), (q, len(text), q)]
    else:
        new = text[:q] + text[a:b] + text[q:a] + text[b:]
        segments = [(0, q, 0), (a, b, q), (q, a, q + b - a), (b, len(text), b)]
    return Edit("moved paragraph", new, segments)


def sentences(text: str) -> list[tuple[int, int]]:
    """Whole sentences: a stop followed by a space or the end (not the point of "1.2 million")."""
    return [(m.start(), m.end()) for m in re.finditer(r"[A-Z](?:[^.!?\n]|[.!?](?!\s|$)){20,}?[.!?](?=\s|$)", text)]


def paragraphs(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+\n+", text) if len(m.group()) > 40]


def edits_of(text: str, spans: list[tuple[int, int]], rng: random.Random) -> list[Edit]:
    made: list[Edit] = []
    kinds = [
        "insert before",
        "insert inside",
        "insert after",
        "delete before",
        "delete inside",
        "delete after",
        "typo fix",
        "duplicate next to itself",
        "duplicate elsewhere",
        "moved paragraph",
        "deleted paragraph",
    ]
    while len(made) < EDITS_PER_SOURCE:
        kind = kinds[len(made) % len(kinds)]
        s, e = rng.choice(spans)
        filler = rng.choice(FILLERS)
        if kind == "insert before":
            p = max(0, s - rng.randint(0, 40))
            made.append(replaced(text, p, p, filler, kind))
        elif kind == "insert inside" and e - s > 2:
            p = rng.randint(s + 1, e - 1)
            made.append(replaced(text, p, p, filler, kind))
        elif kind == "insert after":
            p = min(len(text), e + rng.randint(0, 40))
            made.append(replaced(text, p, p, filler, kind))
        elif kind == "delete before" and s > 2:
            a = max(0, s - rng.randint(2, 60))
            made.append(replaced(text, a, a + rng.randint(1, s - a), "", kind))
        elif kind == "delete inside" and e - s > 4:
            a = rng.randint(s, e - 2)
            made.append(replaced(text, a, min(e, a + rng.randint(1, 12)), "", kind))
        elif kind == "delete after" and e < len(text) - 2:
            a = min(len(text) - 1, e + rng.randint(0, 30))
            made.append(replaced(text, a, min(len(text), a + rng.randint(1, 40)), "", kind))
        elif kind == "typo fix":
            letters = [i for i in range(s, e) if text[i].isalpha()]
            if letters:
                i = rng.choice(letters)
                if rng.random() < 0.5:  # a letter dropped ("climactic" -> "climatic") ...
                    made.append(replaced(text, i, i + 1, "", kind))
                else:  # ... or changed
                    made.append(replaced(text, i, i + 1, "e" if text[i] != "e" else "a", kind))
        elif kind == "duplicate next to itself":
            a, b = rng.choice(sentences(text))
            made.append(replaced(text, b, b, " " + text[a:b], kind))
        elif kind == "duplicate elsewhere":
            a, b = rng.choice(sentences(text))
            p = rng.choice(paragraphs(text))[0]
            made.append(replaced(text, p, p, text[a:b] + "\n", kind))
        elif kind == "moved paragraph":
            paras = paragraphs(text)
            a, b = rng.choice(paras)
            q = rng.choice([start for start, _ in paras if not a <= start <= b] + [len(text)])
            made.append(moved(text, a, b, q))
        elif kind == "deleted paragraph":
            a, b = rng.choice(paragraphs(text))
            made.append(replaced(text, a, b, "", kind))
    return made


def test_no_silent_wrong_anchor_in_a_corpus_of_edits_of_the_real_texts():
    data = validate(load_fixtures(settings.KB_FIXTURES_DIR))
    texts = {fields["slug"]: fields["text"] for fields, *_ in data.sources}
    citations: dict[str, list] = {}
    for claim in data.claims:
        for c in claim.citations:
            citations.setdefault(c.source_slug, []).append(c)
    rng = random.Random(SEED)
    outcomes: Counter = Counter()
    wrong, edits = [], 0
    for slug, text in texts.items():
        cited = citations[slug]
        for edit in edits_of(text, [(c.start, c.end) for c in cited], rng):
            edits += 1
            for c in cited:
                truth = edit.where(c.start, c.end)
                prefix, suffix = anchoring.context_of(text, c.start, c.end)
                followed = anchoring.follow(text, edit.text, c.quote, c.start, prefix, suffix)
                outcomes[followed.outcome] += 1
                if followed.outcome == anchoring.KEPT:
                    if truth != (followed.start, followed.end):
                        wrong.append((slug, edit.kind, c.quote[:60], truth, (followed.start, followed.end)))
                elif followed.outcome == anchoring.REVIEW:
                    assert edit.text[followed.start : followed.end] == followed.quote
                    outcomes["review, passage changed" if truth is None else "review, passage intact"] += 1
                else:
                    assert truth is None, ("refused an intact passage", slug, edit.kind, c.quote[:60])
    total = sum(outcomes[k] for k in (anchoring.KEPT, anchoring.REVIEW, anchoring.REFUSED))
    summary = f"{edits} edits, {total} decisions, {dict(outcomes)}"
    print(summary)
    assert edits >= 5 * EDITS_PER_SOURCE, summary
    assert wrong == [], f"{len(wrong)} silent wrong anchors, first {wrong[:3]} ({summary})"
    assert outcomes[anchoring.KEPT] > 0.9 * total and outcomes[anchoring.REVIEW] > 0 and outcomes[anchoring.REFUSED] > 0
