"""Structural invariants over the real curated fixtures (fixtures/)."""

from io import StringIO

import pytest
from django.core.management import call_command

from events.models import Event
from people.models import Person
from sources.models import Citation, Claim, Conflict, Source
from tests.conftest import snapshot_db

pytestmark = pytest.mark.django_db


def test_every_seed_document_is_a_source_stored_verbatim(curated, settings):
    from pathlib import Path

    seeds = sorted(Path(settings.KB_FIXTURES_DIR, "seeds").glob("*.txt"))
    assert len(seeds) == 5
    for path in seeds:
        source = Source.objects.get(file_name=path.name)
        assert source.text.encode("utf-8") == path.read_bytes()


def test_every_claim_has_a_citation_and_every_quote_is_verbatim(curated):
    assert not Claim.objects.filter(citations__isnull=True).exists()
    for citation in Citation.objects.select_related("source"):
        assert citation.source.text[citation.start : citation.end] == citation.quote, citation.pk


def test_no_two_claims_share_a_statement(curated):
    statements = [" ".join(s.lower().split()) for s in Claim.objects.values_list("statement", flat=True)]
    assert len(statements) == len(set(statements))


def test_conflicts_are_symmetric_with_a_note(curated):
    links = {(c.from_claim_id, c.to_claim_id): c.note for c in Conflict.objects.all()}
    assert links
    for (a, b), note in links.items():
        assert links.get((b, a)) == note
        assert note.strip()


def test_status_matches_its_derivation(curated):
    for claim in Claim.objects.all():
        assert claim.status == claim.derived_status(), claim.pk
    assert Claim.objects.filter(status="corroborated").exists()
    assert Claim.objects.filter(status="contested").exists()


def test_every_person_and_event_is_referenced_by_a_claim(curated):
    assert not Person.objects.filter(claims__isnull=True).exists(), list(
        Person.objects.filter(claims__isnull=True).values_list("slug", flat=True)
    )
    assert not Event.objects.filter(claims__isnull=True).exists(), list(
        Event.objects.filter(claims__isnull=True).values_list("slug", flat=True)
    )


def test_every_source_has_claims(curated):
    for source in Source.objects.all():
        assert source.citations.exists(), source.slug


def test_reimport_leaves_the_database_identical(curated):
    before = snapshot_db()
    out = StringIO()
    call_command("import_fixtures", stdout=out)
    assert "Nothing changed" in out.getvalue()
    assert snapshot_db() == before


def test_curation_report_figures_add_up(curated):
    out = StringIO()
    call_command("curation_report", stdout=out)
    lines = out.getvalue().splitlines()
    per_source = [line for line in lines if "substantive sentences" in line and not line.startswith("TOTAL")]
    assert len(per_source) == 5
    total_sentences = total_cited = 0
    for line in per_source:
        numbers = line.split(": ", 1)[1].split(",")
        sentences, cited = int(numbers[0].split()[0]), int(numbers[1].split()[0])
        uncited_listed = 0
        index = lines.index(line) + 1
        while index < len(lines) and lines[index].startswith("    uncited"):
            uncited_listed += 1
            index += 1
        assert sentences - cited == uncited_listed
        total_sentences += sentences
        total_cited += cited
    assert f"TOTAL: {total_sentences} substantive sentences, {total_cited} cited" in lines[-2]
    assert lines[-1].startswith("FIGURES: claims ")


def test_coverage_is_at_least_90_percent_in_every_source(curated):
    call_command("curation_report", "--summary", "--min-coverage", "90", stdout=StringIO())


def test_no_claim_is_corroborated_by_one_origin(curated):
    """Issue 13: 8 of the 44 "corroborated" claims rested only on 002 and 003, two captures of one wiki page."""
    capture = Source.objects.get(slug="dailyhistory-khrushchev-edit-capture")
    page = Source.objects.get(slug="dailyhistory-rise-and-fall")
    assert capture.derived_from == page and capture.origin == page == page.origin
    for claim in Claim.objects.filter(status="corroborated").prefetch_related("citations__source"):
        origins = {c.source.origin_id for c in claim.citations.all() if not c.needs_review}
        assert len(origins) >= 2, claim.pk
    only_dailyhistory = (
        Claim.objects.filter(citations__source=page)
        .filter(citations__source=capture)
        .exclude(citations__source__in=Source.objects.exclude(pk__in=[page.pk, capture.pk]))
        .distinct()
    )
    assert only_dailyhistory.count() >= 8
    assert not only_dailyhistory.filter(status="corroborated").exists()


def test_a_claim_page_says_how_many_independent_origins_back_it(client, curated):
    page = Source.objects.get(slug="dailyhistory-rise-and-fall")
    capture = Source.objects.get(slug="dailyhistory-khrushchev-edit-capture")
    claim = (
        Claim.objects.filter(citations__source=page)
        .filter(citations__source=capture)
        .exclude(citations__source__in=Source.objects.exclude(pk__in=[page.pk, capture.pk]))
        .first()
    )
    html = client.get(claim.get_absolute_url()).content.decode()
    assert "2 sources, 1 independent origin" in html
    assert f"“{capture.title}” derives from “{page.title}”".replace("'", "&#x27;") in html
