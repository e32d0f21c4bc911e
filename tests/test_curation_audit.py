"""What the second curation pass promises (issue 15), checked over the real fixtures.

* agreements are single claims: no two claims cite exactly the same set of passages;
* every conflict note says what each side says (it names each side's source, or quotes its words);
* no passage both supports a claim and is the contested passage of a claim that conflicts with it;
* every claim flagged as a source error explains the error;
* no claim without a date of its own, whose passage belongs to a dated event's passage, lacks that event;
* redactions are never filled in or guessed, in statements, notes or keys;
* coverage stays at least 97 % in every source.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from sources.models import Citation, Claim, Conflict

pytestmark = pytest.mark.django_db

# How a note may name a side: by its source's publisher or file number, as the curators write them.
SOURCE_NAMES = {
    "000": ("000", "Mondo"),
    "001": ("001", "Mondo"),
    "002": ("002", "DailyHistory"),
    "003": ("003", "DailyHistory"),
    "004": ("004", "Buchot", "photo-book", "photographic book", "Encarta"),
}
GUESSES = re.compile(r"\b(perhaps|probably|presumably|likely|apparently|must have been|presumed)\b", re.I)


def spans(claim):
    return {(c.source_id, c.start, c.end) for c in claim.citations.all()}


def names_side(note: str, claim) -> bool:
    """The note names this side: one of its sources, or four consecutive words of one of its quotes or its
    statement."""
    lowered = note.lower()
    for citation in claim.citations.all():
        number = citation.source.file_name[:3]
        if any(name.lower() in lowered for name in SOURCE_NAMES.get(number, ())):
            return True
    for text in [claim.statement, *(c.quote for c in claim.citations.all())]:
        words = re.findall(r"\w+", text.lower())
        for i in range(max(0, len(words) - 3)):
            if " ".join(words[i : i + 4]) in " ".join(re.findall(r"\w+", lowered)):
                return True
    return False


def test_no_two_claims_cite_exactly_the_same_passages(curated):
    seen = {}
    for claim in Claim.objects.prefetch_related("citations"):
        key = frozenset(spans(claim))
        assert key not in seen, f"claims {seen.get(key)} and {claim.key} cite the same passages: merge them"
        seen[key] = claim.key


def test_every_conflict_note_names_what_each_side_says(curated):
    for link in Conflict.objects.pairs().select_related("from_claim", "to_claim"):
        a, b = link.from_claim, link.to_claim
        assert len(link.note) >= 60, (a.key, b.key, link.note)
        assert names_side(link.note, a) and names_side(link.note, b), (a.key, b.key, link.note)


def test_no_passage_both_supports_a_claim_and_contradicts_it(curated):
    for link in Conflict.objects.pairs().select_related("from_claim", "to_claim"):
        for sa, a0, a1 in spans(link.from_claim):
            for sb, b0, b1 in spans(link.to_claim):
                nested = sa == sb and ((a0 <= b0 and b1 <= a1) or (b0 <= a0 and a1 <= b1))
                assert not nested, (link.from_claim.key, link.to_claim.key, a0, a1, b0, b1)


def overlapping(a, b) -> bool:
    return any(sa == sb and a0 < b1 and b0 < a1 for sa, a0, a1 in a for sb, b0, b1 in b)


def test_no_claim_rests_on_both_sides_of_a_disagreement(curated):
    """A claim citing a passage of each side of a conflict would use one side's words to support what the other
    side's words contradict ("Beria, as the leader of the KGB" both corroborating and contested)."""
    claims = {c.pk: (c.key, spans(c)) for c in Claim.objects.prefetch_related("citations")}
    for link in Conflict.objects.pairs():
        side_a, side_b = claims[link.from_claim_id][1], claims[link.to_claim_id][1]
        for pk, (key, cited) in claims.items():
            if pk in (link.from_claim_id, link.to_claim_id):
                continue
            both = overlapping(cited, side_a) and overlapping(cited, side_b)
            assert not both, f"{key} cites both {claims[link.from_claim_id][0]} and {claims[link.to_claim_id][0]}"


def test_every_source_error_flag_explains_itself(curated):
    flagged = Claim.objects.exclude(source_error="")
    assert flagged.exists()
    for claim in flagged:
        assert len(claim.source_error.split()) >= 6, (claim.key, claim.source_error)


def test_a_claim_inside_a_dated_events_passage_names_that_event(curated):
    """A claim with no date of its own whose quote lies inside the passage of a claim of a dated event
    belongs to that event (and is shown on the timeline "dated by its event")."""
    passages: list[tuple[int, int, int, str]] = []  # (source, start, end, event slug)
    for citation in Citation.objects.select_related("claim__event"):
        event = citation.claim.event
        if event is not None and event.date_lower is not None:
            passages.append((citation.source_id, citation.start, citation.end, event.slug))
    for claim in Claim.objects.filter(date_lower__isnull=True, event__isnull=True).prefetch_related("citations"):
        for c in claim.citations.all():
            inside = sorted({slug for s, a, b, slug in passages if s == c.source_id and a <= c.start and c.end <= b})
            assert not inside, f"{claim.key}: its passage lies inside the passage of event(s) {inside}"


def test_redactions_are_never_guessed(curated):
    for claim in Claim.objects.prefetch_related("citations"):
        if not any("**" in c.quote for c in claim.citations.all()):
            continue
        for text in (claim.statement, claim.note, claim.key.replace("-", " ")):
            assert not GUESSES.search(text), (claim.key, GUESSES.search(text).group())


def test_coverage_is_at_least_97_percent_in_every_source(curated):
    call_command("curation_report", "--summary", "--min-coverage", "97", stdout=StringIO())
