"""For each substantive sentence of a source, the public claims it may support or contradict, best first.

How a sentence meets its claims:

1. **Meaning** (``encoder``): the sentence and every public claim's statement as unit vectors; the 50 claims
   nearest in meaning are the candidates. This is what survives paraphrase ("shot" for "executed").
2. **Words** (``analysis``): how much of the claim's content, weighted by rarity, the sentence says, read
   against the claim's statement and against the passages other sources give for it; a year both name.
3. **Supports**: a weighted sum of the two, kept when it reaches ``SUPPORT_THRESHOLD``: below it the
   assistant says nothing rather than guess.
4. **Contradicts**: a candidate on the same subject (near in meaning or words) that differs in a checkable way,
   a year, a number, an office or an outcome (``analysis.differences``, which words the reason); and the
   recorded conflicts of a claim the sentence clearly supports.

Claims that already cite the sentence are left out. Without the embedding model (``encoder.available()`` is
false) the words alone rank every public claim: adequate at seed size, slow at 100,000 claims.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from people.models import Person
from sources.models import Citation, Claim, Conflict, Source
from sources.sentences import substantive_sentences

from . import analysis, encoder

CANDIDATES = 50  # nearest claims in meaning examined per sentence
MEANING_WEIGHT = 0.7  # of the support score; the rest is the words
SUPPORT_THRESHOLD = 0.45
STRONG_SUPPORT = 0.7  # a support this sure makes the claim's recorded conflicts contradictions
SAME_SUBJECT = 0.5  # meaning close enough (or a little less, with shared words) for a difference to contradict
MAX_SUPPORTS = 5
MAX_CONTRADICTIONS = 3
SENTENCES_PER_BLOCK = 16  # sentences compared with every claim at once (16 x 5 pieces x 100,000 claims: 32 MB)


@dataclass(frozen=True)
class Candidate:
    claim_id: int
    relation: str  # "supports" or "contradicts"
    score: float
    reason: str = ""


@dataclass
class SentenceSuggestions:
    start: int
    end: int
    text: str
    candidates: list[Candidate] = field(default_factory=list)

    def supports(self) -> list[Candidate]:
        return [c for c in self.candidates if c.relation == "supports"]

    def contradicts(self) -> list[Candidate]:
        return [c for c in self.candidates if c.relation == "contradicts"]

    def as_json(self, reasons: bool = False) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "candidates": [{k: v for k, v in asdict(c).items() if reasons or k != "reason"} for c in self.candidates],
        }


@dataclass
class _Claim:
    pk: int
    statement: str
    reading: analysis.Reading
    passages: list[set[str]]  # content words of each passage other sources give for it
    conflicts: set[int]


def suggest(source: Source) -> list[SentenceSuggestions]:
    """The suggestions for every substantive sentence of ``source`` (published or draft), in text order."""
    sentences = substantive_sentences(source.text)
    if not sentences:
        return []
    citing = _claims_citing(source, sentences)
    nearest = _nearest([s.text for s in sentences])
    claims = _load({pk for near in nearest for pk, _ in near}, source)
    readings = [analysis.Reading.of(s.text) for s in sentences]
    parts = [[analysis.Reading.of(part) for part in analysis.parts(s.text)] for s in sentences]
    idf = analysis.idf_weights([*(c.reading.words for c in claims.values()), *(r.words for r in readings)])
    out = []
    for i, sentence in enumerate(sentences):
        candidates = _judge(readings[i], nearest[i], claims, idf, exclude=citing[i], parts=parts[i])
        out.append(SentenceSuggestions(sentence.start, sentence.end, sentence.text, candidates))
    return out


def _claims_citing(source: Source, sentences) -> list[set[int]]:
    citing: list[set[int]] = [set() for _ in sentences]
    if source.pk is None:
        return citing
    for claim_id, start, end in Citation.objects.filter(source=source).values_list("claim_id", "start", "end"):
        for i, sentence in enumerate(sentences):
            if sentence.overlaps(start, end):
                citing[i].add(claim_id)
    return citing


def _nearest(texts: list[str]) -> list[list[tuple[int, float]]]:
    """For each text, the ``CANDIDATES`` public claims nearest in meaning, as (claim id, cosine).

    A long sentence often says several things, each a claim: its meaning is read whole and clause by clause
    (``analysis.clauses``), and a claim's nearness is that of the nearest of them. A sentence that opens with
    a personal pronoun ("He was shot as a traitor") is also read with the pronoun as each person the sentence
    before it names (``analysis.resolved``): its own words, never the other sentence's.
    """
    if not encoder.available():
        return _nearest_by_words(texts)
    import numpy as np

    from . import vectors

    ids, matrix = vectors.public_matrix()
    if not len(ids):
        return [[] for _ in texts]
    named = _people_named(texts)
    pieces, first = [], []  # every sentence's pieces, in order; the index of each sentence's first piece
    for i, text in enumerate(texts):
        first.append(len(pieces))
        pieces.extend([text, *analysis.clauses(text), *(analysis.resolved(text, named[i - 1]) if i else ())])
    encoded = encoder.encode(pieces)
    k = min(CANDIDATES, len(ids))
    out = []
    for block in range(0, len(texts), SENTENCES_PER_BLOCK):  # a block at a time: memory stays small
        starts = first[block : block + SENTENCES_PER_BLOCK]
        end = first[block + SENTENCES_PER_BLOCK] if block + SENTENCES_PER_BLOCK < len(texts) else len(pieces)
        similarity = encoded[starts[0] : end] @ matrix.T
        nearest = np.maximum.reduceat(similarity, [s - starts[0] for s in starts], axis=0)  # max over each's pieces
        top = np.argpartition(-nearest, k - 1, axis=1)[:, :k]
        out.extend([(int(ids[j]), float(row[j])) for j in picks] for row, picks in zip(nearest, top, strict=True))
    return out


def _people_named(texts: list[str], most: int = 2) -> list[list[str]]:
    """The names of the people each text mentions (by capitalised words of three letters or more of their
    name or aliases), those it names by more words first ("Leonid Brezhnev" is Brezhnev, not every Leonid),
    then in the order it mentions them, at most ``most``; then the person the knowledge base is about (the
    most claims), whom a sentence often names only as "him"."""
    by_word: dict[str, list[str]] = defaultdict(list)
    for name, aliases in Person.objects.order_by("pk").values_list("name", "aliases"):
        for word in {w for w in analysis.WORD.findall(f"{name} {aliases}") if len(w) >= 3 and w[0].isupper()}:
            by_word[word].append(name)
    central = Person.objects.order_by("-claim_count", "pk").values_list("name", flat=True).first()
    out = []
    for text in texts:
        words: dict[str, set[str]] = {}  # name -> the words of the text that name them, in order of mention
        for word in analysis.WORD.findall(text):
            for name in by_word.get(word, ()):
                words.setdefault(name, set()).add(word)
        named = sorted(words, key=lambda name: -len(words[name]))  # stable: mention order among equals
        out.append(list(dict.fromkeys([*named[:most], *([central] if central else [])])))
    return out


def _nearest_by_words(texts: list[str]) -> list[list[tuple[int, float]]]:
    claims = list(Claim.objects.filter(is_public=True).values_list("pk", "statement"))
    words = {pk: analysis.content_words(statement) for pk, statement in claims}
    idf = analysis.idf_weights(words.values())
    out = []
    for text in texts:
        mine = analysis.content_words(text)
        scored = [(pk, analysis.overlap(mine, theirs, idf)) for pk, theirs in words.items() if mine & theirs]
        scored.sort(key=lambda item: -item[1])
        out.append(scored[:CANDIDATES])
    return out


def _load(pks: set[int], source: Source) -> dict[int, _Claim]:
    passages: dict[int, list[set[str]]] = defaultdict(list)
    quotes = Citation.objects.public().filter(claim_id__in=pks)
    if source.pk is not None:
        quotes = quotes.exclude(source=source)
    for claim_id, quote in quotes.values_list("claim_id", "quote"):
        passages[claim_id].append(analysis.content_words(quote))
    conflicts: dict[int, set[int]] = defaultdict(set)
    for a, b in Conflict.objects.filter(from_claim_id__in=pks, to_claim__is_public=True).values_list(
        "from_claim_id", "to_claim_id"
    ):
        conflicts[a].add(b)
    out = {}
    for pk, statement, lower, upper in Claim.objects.filter(pk__in=pks, is_public=True).values_list(
        "pk", "statement", "date_lower", "date_upper"
    ):
        dated = range(lower.year, upper.year + 1) if lower and upper and upper.year - lower.year <= 3 else ()
        out[pk] = _Claim(pk, statement, analysis.Reading.of(statement, dated), passages[pk], conflicts[pk])
    return out


def _judge(
    sentence: analysis.Reading, near, claims: dict[int, _Claim], idf, exclude: set[int], parts=()
) -> list[Candidate]:
    """``parts``: the readings of the sentence's parts (``analysis.parts``); a date or a number differs in the
    part that says most of the claim's words, not in another part of the sentence (in the whole sentence when
    no part shares a word with the claim)."""
    parts = list(parts) or [sentence]
    supports: dict[int, Candidate] = {}
    contradicts: dict[int, Candidate] = {}
    for pk, meaning in near:
        claim = claims.get(pk)
        if claim is None or pk in exclude:
            continue
        words = max(
            [analysis.overlap(sentence.words, claim.reading.words, idf)]
            + [analysis.overlap(sentence.words, passage, idf) for passage in claim.passages]
        )
        score = MEANING_WEIGHT * meaning + (1 - MEANING_WEIGHT) * words
        if meaning >= SAME_SUBJECT or (meaning >= SAME_SUBJECT - 0.15 and words >= 0.3):
            shared, speaking = max(
                ((analysis.overlap(part.words, claim.reading.words, idf), part) for part in parts), key=lambda p: p[0]
            )
            if not shared:
                speaking = sentence  # no part shares a word with the claim: none can be said to speak of it
            reasons = analysis.differences(sentence, claim.reading, part=speaking)
            if reasons:
                contradicts[pk] = Candidate(pk, "contradicts", round(score, 3), "; ".join(reasons))
                continue
        if sentence.years and claim.reading.years and sentence.years & claim.reading.years:
            score += 0.05
        if score >= SUPPORT_THRESHOLD:
            supports[pk] = Candidate(pk, "supports", round(min(score, 1.0), 3))
    for support in list(supports.values()):
        if support.score < STRONG_SUPPORT:
            continue
        for other in claims[support.claim_id].conflicts:
            if other in exclude or other in supports:
                continue
            score = round(support.score * 0.9, 3)
            reason = f"the sentence agrees with claim {support.claim_id}, recorded as conflicting with this one"
            found = contradicts.get(other)
            if found is None or found.score < score:  # a recorded conflict is surer than a difference found
                reasons = [reason, *([found.reason] if found else [])]
                contradicts[other] = Candidate(other, "contradicts", score, "; ".join(reasons))
    best_supports = sorted(supports.values(), key=lambda c: (-c.score, c.claim_id))[:MAX_SUPPORTS]
    best_contradictions = sorted(contradicts.values(), key=lambda c: (-c.score, c.claim_id))[:MAX_CONTRADICTIONS]
    return best_supports + best_contradictions
