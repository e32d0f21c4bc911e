"""generate_synthetic: realistic shape, real quotes at real offsets, deterministic, and --remove removes it all."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from taggit.models import Tag

from core import edtf_dates
from events.models import Event
from people.models import Person
from search import engine as search
from sources.models import Citation, Claim, Conflict, Source

from .conftest import snapshot_db

pytestmark = pytest.mark.django_db


def content(seed_prefix):
    """What a run wrote, without the ids (which depend on what was there before)."""
    claims = Claim.objects.filter(key__startswith=seed_prefix).order_by("key")
    return (
        [(c.key, c.statement, c.date, c.date_lower, c.date_upper, c.status) for c in claims],
        sorted(Citation.objects.filter(claim__in=claims).values_list("claim__key", "source__slug", "start", "end")),
        sorted(Person.objects.filter(slug__startswith=seed_prefix).values_list("slug", "name", "aliases")),
        sorted(Source.objects.filter(slug__startswith=seed_prefix).values_list("slug", "sha256")),
    )


def test_shape_offsets_and_dates(fixture_folder):
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    out = StringIO()
    call_command("generate_synthetic", "--claims", "2000", "--seed", "7", stdout=out)
    assert "Added 2,000 claims" in out.getvalue()
    claims = Claim.objects.filter(key__startswith="synthetic-s7-")
    assert claims.count() == 2000
    citations = Citation.objects.filter(claim__in=claims).select_related("source")
    assert 1.3 <= citations.count() / 2000 <= 1.7
    for citation in citations:
        assert citation.source.text[citation.start : citation.end] == citation.quote
    assert Source.objects.filter(slug__startswith="synthetic-s7-").count() == 10
    assert Person.objects.filter(slug__startswith="synthetic-s7-").count() == 40
    assert Event.objects.filter(slug__startswith="synthetic-s7-").count() == 20
    pairs = Conflict.objects.filter(from_claim__in=claims).count() / 2
    assert 15 <= pairs <= 25  # about 2 % of the claims in conflicting pairs
    precisions = {edtf_dates.precision(d) for d in claims.values_list("date", flat=True)}
    assert {"day", "month", "year", "range", "none"} <= precisions
    for claim in claims.exclude(date="")[:300]:
        assert (claim.date_lower, claim.date_upper) == edtf_dates.bounds(claim.date), claim.date
        assert 1953 <= claim.date_lower.year <= 1971
    for claim in claims.filter(status="corroborated")[:50]:
        assert claim.derived_status() == "corroborated"
    for claim in claims.filter(status="contested")[:20]:
        assert claim.derived_status() == "contested"
    assert claims.filter(tags__slug="synthetic").count() == 2000
    assert search.search("archive file 3")  # the search index covers the new rows


def test_deterministic_and_removable(fixture_folder):
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    before = snapshot_db()
    call_command("generate_synthetic", "--claims", "500", "--seed", "3", stdout=StringIO())
    first = content("synthetic-s3-")
    with pytest.raises(CommandError, match="already there"):
        call_command("generate_synthetic", "--claims", "500", "--seed", "3", stdout=StringIO())
    call_command("generate_synthetic", "--remove", stdout=StringIO())
    assert snapshot_db() == before
    assert not Tag.objects.filter(slug="synthetic").exists()
    assert not search.search("synthetic archive file")
    call_command("generate_synthetic", "--claims", "500", "--seed", "3", stdout=StringIO())
    assert content("synthetic-s3-") == first
    call_command("generate_synthetic", "--claims", "500", "--seed", "4", stdout=StringIO())
    assert content("synthetic-s4-") != content("synthetic-s3-")
    # The id sequences follow the explicit ids: ordinary saves still work afterwards.
    Claim.objects.create(statement="Made after a synthetic run.")


def test_bad_arguments_are_refused():
    for args, message in ((["--claims", "0"], "N ≥ 1"), (["--remove", "--claims", "5"], "no --claims"), ([], "N ≥ 1")):
        with pytest.raises(CommandError, match=message):
            call_command("generate_synthetic", *args, stdout=StringIO())


def test_remove_refuses_when_real_claims_cite_synthetic_sources(fixture_folder):
    call_command("generate_synthetic", "--claims", "200", "--seed", "1", stdout=StringIO())
    source = Source.objects.filter(slug__startswith="synthetic-").first()
    claim = Claim.objects.create(statement="A real claim citing synthetic text.")
    Citation.objects.create(claim=claim, source=source, quote=source.text[:10], start=0, end=10)
    with pytest.raises(CommandError, match="quote synthetic sources"):
        call_command("generate_synthetic", "--remove", stdout=StringIO())
    assert Claim.objects.filter(key__startswith="synthetic-").count() == 200


def test_remove_refreshes_real_claims_that_conflicted_with_synthetic_ones(kb):
    """Found by review: a real claim stayed 'contested' after the synthetic claim it conflicted with was removed."""
    from sources import services

    call_command("generate_synthetic", "--claims", "50", "--seed", "1", stdout=StringIO())
    real = Claim.objects.get(key="stalin-death-announced")
    services.conflict_save(
        conflict=Conflict(
            from_claim=real, to_claim=Claim.objects.filter(key__startswith="synthetic-").first(), note="x"
        )
    )
    real.refresh_from_db()
    assert real.status == "contested"
    call_command("generate_synthetic", "--remove", stdout=StringIO())
    real.refresh_from_db()
    assert real.status == "single-source"


@pytest.mark.parametrize("link", ["event", "person", "event person"])
def test_remove_refuses_while_real_rows_use_synthetic_events_or_people(kb, link):
    call_command("generate_synthetic", "--claims", "50", "--seed", "1", stdout=StringIO())
    real = Claim.objects.get(key="stalin-death-announced")
    if link == "event":
        real.event = Event.objects.filter(slug__startswith="synthetic-").first()
        real.save()
        message = "real claim.s. belong to synthetic events"
    elif link == "person":
        real.people.add(Person.objects.filter(slug__startswith="synthetic-").first())
        message = "real claim.s. name synthetic people"
    else:
        Event.objects.exclude(slug__startswith="synthetic-").first().people.add(
            Person.objects.filter(slug__startswith="synthetic-").first()
        )
        message = "real event.s. name synthetic people"
    before = snapshot_db()
    with pytest.raises(CommandError, match=message):
        call_command("generate_synthetic", "--remove", stdout=StringIO())
    assert snapshot_db() == before


@pytest.mark.django_db(transaction=True)
def test_vacuum_really_runs_after_the_bulk_load_on_postgresql():
    """Issue 13: VACUUM was claimed but could never run (both callers were inside transaction.atomic)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call_command("generate_synthetic", "--claims", "50", stdout=StringIO())
        call_command("generate_synthetic", "--remove", stdout=StringIO())
    statements = [q["sql"] for q in captured.captured_queries]
    if connection.vendor == "postgresql":
        assert sum(sql.startswith("VACUUM (ANALYZE)") for sql in statements) == 2, statements[-3:]
    else:
        assert sum(sql == "ANALYZE" for sql in statements) == 2
