"""Model invariants: citation offsets, sha256, EDTF bounds, history (across rows: tests/sources/test_services.py)."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from events.models import Event
from people.models import Person
from sources.models import Citation, Claim, Conflict, Source

pytestmark = pytest.mark.django_db

TEXT = "Stalin died in 1953. Khrushchev rose. Khrushchev fell in 1964."


@pytest.fixture
def source():
    return Source.objects.create(title="A", slug="a", text=TEXT)


@pytest.fixture
def other_source():
    return Source.objects.create(title="B", slug="b", text="Khrushchev fell in 1964, said B.")


def cite(claim, source, quote, start=None):
    citation = Citation(claim=claim, source=source, quote=quote, start=start)
    citation.full_clean()
    citation.save()
    return citation


def test_sha256_is_computed_from_the_text_on_every_save(source):
    assert source.sha256 == hashlib.sha256(TEXT.encode("utf-8")).hexdigest()
    source.text = "changed ’"
    source.save()
    assert source.sha256 == hashlib.sha256("changed ’".encode()).hexdigest()


def test_citation_offsets_are_computed_from_the_quote(source):
    claim = Claim.objects.create(statement="Khrushchev fell in 1964.")
    citation = cite(claim, source, "Khrushchev fell in 1964.")
    assert TEXT[citation.start : citation.end] == citation.quote
    assert (citation.start, citation.end) == (38, 62)


def test_citation_with_wrong_offsets_is_refused(source):
    claim = Claim.objects.create(statement="x")
    citation = Citation(claim=claim, source=source, quote="Khrushchev fell", start=0, end=15)
    with pytest.raises(ValidationError, match="reads 'Stalin died in'"):
        citation.full_clean()


def test_ambiguous_quote_must_be_disambiguated(source):
    claim = Claim.objects.create(statement="x")
    with pytest.raises(ValidationError, match="occurs 2 times"):
        cite(claim, source, "Khrushchev")
    assert cite(claim, source, "Khrushchev", start=38).start == 38


def test_quote_not_in_text_shows_closest_passage(source):
    claim = Claim.objects.create(statement="x")
    with pytest.raises(ValidationError, match="closest passage is 'Khrushchev fell in 1964.'"):
        cite(claim, source, "Khrushchev fell in 1965.")


def test_database_refuses_an_empty_span(source):
    claim = Claim.objects.create(statement="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(claim=claim, source=source, quote="", start=5, end=5)


def test_only_the_statement_is_required():
    claim = Claim(statement="A claim.")
    claim.full_clean()
    claim.save()
    assert claim.status == Claim.Status.SINGLE_SOURCE
    assert claim.date_lower is None


def test_status_is_not_editable():
    assert not Claim._meta.get_field("status").editable


def test_conflict_needs_a_note_and_another_claim():
    a = Claim.objects.create(statement="a")
    b = Claim.objects.create(statement="b")
    with pytest.raises(ValidationError, match="editorial note"):
        Conflict(from_claim=a, to_claim=b, note=" ").full_clean()
    with pytest.raises(ValidationError, match="itself"):
        Conflict(from_claim=a, to_claim=a, note="n").full_clean()


def test_event_and_claim_bounds_follow_their_edtf_date():
    event = Event.objects.create(title="Ouster", slug="ouster", date="1964-10-12/1964-10-14")
    assert (event.date_lower, event.date_upper) == (datetime.date(1964, 10, 12), datetime.date(1964, 10, 14))
    event.date = "1964-10"
    event.save()
    event.refresh_from_db()
    assert (event.date_lower, event.date_upper) == (datetime.date(1964, 10, 1), datetime.date(1964, 10, 31))
    assert event.date_display == "October 1964"


def test_invalid_edtf_is_a_validation_error_with_examples():
    with pytest.raises(ValidationError, match="not a valid EDTF date.*1955~"):
        Claim(statement="x", date="1950s").full_clean()
    with pytest.raises(ValidationError, match="born"):
        Person(name="X", slug="x", born="spring 1894").full_clean()


def test_person_aliases_are_normalised_one_per_line():
    person = Person(name="Nikita Khrushchev", slug="nk", aliases=" Khruschev \n\nGruschev\nKhruschev")
    person.full_clean()
    assert person.aliases == "Khruschev\nGruschev"
    assert person.alias_list == ["Khruschev", "Gruschev"]


def test_every_change_is_kept_in_history(source):
    claim = Claim.objects.create(statement="first")
    claim.statement = "second"
    claim.save()
    assert [h.statement for h in claim.history.order_by("history_date")] == ["first", "second"]
    claim_id = claim.pk
    claim.delete()
    assert Claim.history.filter(id=claim_id, history_type="-").exists()


def test_a_cited_source_cannot_be_deleted(source):
    claim = Claim.objects.create(statement="x")
    cite(claim, source, "Stalin died in 1953.")
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        source.delete()
