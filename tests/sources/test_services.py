"""The write layer (sources/services.py): statuses over independent origins, conflict mirrors, moved citations,
honest re-anchoring; and the admin paths that used to bypass it (bulk delete, re-pointing, moving, text edits)."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from sources import services
from sources.models import Citation, Claim, Conflict, Source
from tests.admin_forms import errors, post_form
from tests.conftest import cite, conflict, make_claim, make_source

pytestmark = pytest.mark.django_db

TEXT = "Stalin died in 1953. Khrushchev rose. Khrushchev fell in 1964."


@pytest.fixture
def source():
    return make_source(title="A", slug="a", text=TEXT)


@pytest.fixture
def other_source():
    return make_source(title="B", slug="b", text="Khrushchev fell in 1964, said B.")


def status(claim) -> str:
    claim.refresh_from_db()
    assert claim.status == claim.derived_status()
    return claim.status


def test_status_is_derived_from_distinct_sources_and_conflicts(source, other_source):
    claim = make_claim(statement="Khrushchev fell in 1964.")
    cite(claim, source, "Khrushchev fell in 1964.")
    assert status(claim) == "single-source"
    cite(claim, source, "Khrushchev", start=21)  # a second passage of the SAME source
    assert status(claim) == "single-source"
    second = cite(claim, other_source, "Khrushchev fell in 1964")
    assert status(claim) == "corroborated"

    rival = make_claim(statement="Khrushchev fell in 1965.")
    link = conflict(rival, claim, "1964 or 1965")
    assert status(claim) == "corroborated", "a rival no published source cites is not public: no contest yet"
    cite(rival, other_source, "Khrushchev")
    assert (status(claim), status(rival)) == ("contested", "contested")

    services.conflict_delete(conflict=link)
    services.citation_delete(citation=second)
    assert (status(claim), status(rival)) == ("single-source", "single-source")


def test_sources_of_one_origin_do_not_corroborate(source):
    capture = make_source(title="A, captured again", slug="a-capture", text=TEXT + " (captured)", derived_from=source)
    capture.refresh_from_db()
    assert capture.origin_id == source.pk and Source.objects.get(pk=source.pk).origin_id == source.pk
    claim = make_claim(statement="Khrushchev fell in 1964.")
    cite(claim, source, "Khrushchev fell in 1964.")
    cite(claim, capture, "Khrushchev fell in 1964.")
    assert status(claim) == "single-source"
    # A third text, independent of both, corroborates.
    third = make_source(title="C", slug="c", text="In 1964 Khrushchev fell in 1964 again.")
    cite(claim, third, "Khrushchev fell in 1964")
    assert status(claim) == "corroborated"
    # Declaring the third a copy of the capture (a chain: third -> capture -> a) makes it one origin again.
    third.derived_from = capture
    services.source_save(source=third)
    assert Source.objects.get(pk=third.pk).origin_id == source.pk
    assert status(claim) == "single-source"
    # And breaking the chain in the middle takes effect on every claim at once.
    capture.derived_from = None
    services.source_save(source=capture)
    assert Source.objects.get(pk=third.pk).origin_id == capture.pk
    assert status(claim) == "corroborated"


def test_a_derived_from_cycle_is_refused(source):
    capture = make_source(title="Copy", slug="copy", text="x", derived_from=source)
    source.derived_from = capture
    with pytest.raises(ValidationError, match="cycle"):
        services.source_save(source=source)
    source.derived_from = source
    with pytest.raises(ValidationError, match="itself"):
        services.source_save(source=source)


def test_conflicts_are_symmetric_share_one_note_and_go_together():
    a, b, c = (make_claim(statement=s) for s in "abc")
    link = conflict(a, b, "They disagree.")
    assert list(a.conflicts.all()) == [b] and list(b.conflicts.all()) == [a]
    link.note = "They disagree on the year."
    services.conflict_save(conflict=link)
    assert set(Conflict.objects.values_list("note", flat=True)) == {"They disagree on the year."}
    # Declaring the pair again the other way round changes its note instead of duplicating it.
    conflict(b, a, "Newer note.")
    assert Conflict.objects.count() == 2 and set(Conflict.objects.values_list("note", flat=True)) == {"Newer note."}
    # Re-pointing one row takes the old pair away, both ways.
    row = Conflict.objects.get(from_claim=a, to_claim=b)
    row.to_claim = c
    services.conflict_save(conflict=row)
    pairs = set(Conflict.objects.values_list("from_claim", "to_claim"))
    assert pairs == {(a.pk, c.pk), (c.pk, a.pk)}
    services.conflict_delete(conflict=Conflict.objects.get(from_claim=c))
    assert not Conflict.objects.exists()


def test_deleting_a_claim_releases_the_claims_it_conflicted_with(source):
    a, b, c = (make_claim(statement=s) for s in "abc")
    for claim in (a, b, c):
        cite(claim, source, "Stalin died in 1953.")
    conflict(a, b, "n")
    conflict(c, b, "n")
    deleted = a.pk
    services.claim_delete(claim=a)
    assert status(b) == "contested"  # still against c
    services.claims_delete(claims=Claim.objects.filter(pk=c.pk))
    assert status(b) == "single-source"
    assert not Conflict.objects.exists()
    assert Claim.history.filter(id=deleted, history_type="-").exists()  # recoverable


def test_moving_a_citation_refreshes_both_claims_and_their_partners(source, other_source):
    a = make_claim(statement="a")
    b = make_claim(statement="b")
    cite(a, source, "Khrushchev fell in 1964.")
    moving = cite(a, other_source, "Khrushchev fell in 1964")
    cite(b, source, "Stalin died in 1953.")
    partner = make_claim(statement="rival of a")
    cite(partner, source, "Khrushchev rose.")
    conflict(partner, a, "n")
    assert (status(a), status(partner)) == ("contested", "contested")
    moving.claim = b
    services.citation_save(citation=moving)
    assert status(b) == "corroborated"
    # a lost nothing it needs to stay public and contested; now take its last citation away too
    services.citation_save(citation=_moved(a.citations.get(), b))
    a.refresh_from_db()
    assert not a.is_public
    assert status(partner) == "single-source", "a conflict with a claim that is no longer public is no contest"


def _moved(citation, claim):
    citation.claim = claim
    return citation


def test_unpublishing_a_source_takes_effect_everywhere(source, other_source):
    claim = make_claim(statement="x")
    cite(claim, source, "Khrushchev fell in 1964.")
    cite(claim, other_source, "Khrushchev fell in 1964")
    assert status(claim) == "corroborated"
    services.sources_set_published(sources=Source.objects.filter(pk=other_source.pk), published=False)
    assert status(claim) == "single-source"
    services.sources_set_published(sources=Source.objects.filter(pk=source.pk), published=False)
    claim.refresh_from_db()
    assert not claim.is_public and not Claim.objects.public().filter(pk=claim.pk).exists()


# --------------------------------------------------------------------------- re-anchoring through the write layer


def test_a_text_change_keeps_exact_passages_and_flags_changed_ones(source, other_source):
    claim = make_claim(statement="Khrushchev fell in 1964.")
    exact = cite(make_claim(statement="Stalin died in 1953."), source, "Stalin died in 1953.")
    changed = cite(claim, source, "Khrushchev fell in 1964.")
    cite(claim, other_source, "Khrushchev fell in 1964")
    assert status(claim) == "corroborated"
    source.text = "Foreword. " + TEXT.replace("fell in 1964", "fell in October 1964")
    plan = services.source_save(source=source)
    assert [f.citation.pk for f in plan.kept] == [exact.pk]
    assert [f.citation.pk for f in plan.review] == [changed.pk]
    exact.refresh_from_db()
    changed.refresh_from_db()
    assert (exact.needs_review, exact.start) == (False, 10)
    assert changed.needs_review and changed.quote == "Khrushchev fell in October 1964."
    assert source.text[changed.start : changed.end] == changed.quote
    # The old words and offsets stay in the history.
    assert changed.history.filter(quote="Khrushchev fell in 1964.", start=38).exists()
    # A passage under review does not corroborate.
    assert status(claim) == "single-source"
    services.citations_accept(citations=Citation.objects.filter(pk=changed.pk))
    assert status(claim) == "corroborated"


def test_a_text_change_that_loses_a_passage_is_refused_and_writes_nothing(source):
    claim = make_claim(statement="x")
    cite(claim, source, "Khrushchev fell in 1964.")
    source.text = "Nothing of the kind is said here at all."
    with pytest.raises(ValidationError, match="would break citations") as refused:
        services.source_save(source=source)
    assert f"of claim {claim.pk}" in str(refused.value)
    assert Source.objects.get(pk=source.pk).text == TEXT


# --------------------------------------------------------------------------- the admin paths


def pair():
    a = Claim.objects.get(key="ousted-october-1964")
    b = Claim.objects.get(key="first-secretary-1953")
    return a, b


def test_admin_delete_selected_on_one_row_of_a_pair_removes_its_mirror(admin_client, kb):
    a, b = pair()
    assert (status(a), status(b)) == ("contested", "contested")
    row = Conflict.objects.get(from_claim=a, to_claim=b)
    response = admin_client.post(
        "/admin/sources/conflict/", {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not Conflict.objects.exists()
    assert (status(a), status(b)) == ("single-source", "single-source")
    assert "ousted" not in admin_client.get("/disputes/").content.decode()


def test_admin_repointing_a_conflict_leaves_no_old_mirror(admin_client, kb):
    a, b = pair()
    c = Claim.objects.get(key="stalin-death-announced")
    row = Conflict.objects.get(from_claim=a, to_claim=b)
    url = f"/admin/sources/conflict/{row.pk}/change/"
    response = post_form(admin_client, url, to_claim=str(c.pk))
    assert response.status_code == 302, errors(response)
    assert set(Conflict.objects.values_list("from_claim", "to_claim")) == {(a.pk, c.pk), (c.pk, a.pk)}
    assert (status(a), status(b), status(c)) == ("contested", "single-source", "contested")


def test_admin_moving_a_citation_refreshes_the_old_claims_status(admin_client, kb):
    ousted = Claim.objects.get(key="ousted-1964")
    assert status(ousted) == "corroborated"
    citation = ousted.citations.get(source__slug="source-b")
    target = Claim.objects.get(key="stalin-death-announced")
    response = post_form(admin_client, f"/admin/sources/citation/{citation.pk}/change/", claim=str(target.pk))
    assert response.status_code == 302, errors(response)
    assert (status(ousted), status(target)) == ("single-source", "corroborated")


def test_admin_inline_delete_of_a_conflict_removes_the_pair(admin_client, kb):
    a, b = pair()
    url = f"/admin/sources/claim/{a.pk}/change/"
    response = post_form(admin_client, url, **{"conflict_links-0-DELETE": "on"})
    assert response.status_code == 302, errors(response)
    assert not Conflict.objects.exists()
    assert (status(a), status(b)) == ("single-source", "single-source")


def test_admin_bulk_delete_of_claims_refreshes_partners(admin_client, kb):
    a, b = pair()
    response = admin_client.post(
        "/admin/sources/claim/", {"action": "delete_selected", "_selected_action": [a.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert status(b) == "single-source"


def test_admin_review_queue_accepts_flagged_passages(admin_client, kb):
    source = Source.objects.get(slug="source-b")
    source.text = source.text.replace("ousted by the Presidium", "ousted by the party Presidium")
    plan = services.source_save(source=source)
    assert plan.review
    flagged = plan.review[0].citation
    index = admin_client.get("/admin/").content.decode()
    assert "citation needs review" in index or "citations need review" in index
    queue = admin_client.get("/admin/sources/citation/?needs_review__exact=1").content.decode()
    assert f"/admin/sources/citation/{flagged.pk}/change/" in queue
    response = admin_client.post(
        "/admin/sources/citation/", {"action": "accept_passages", "_selected_action": [flagged.pk]}
    )
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert not flagged.needs_review


def test_the_typo_fix_that_answered_a_500_now_flags_the_passage(admin_client, real_fixtures_copy):
    """Issue 13: "climactic" -> "climatic" in 004 answered a 500 ('CitationForm' has no field named 'quote')."""
    call_command("import_fixtures", str(real_fixtures_copy), stdout=StringIO())
    source = Source.objects.get(file_name__startswith="004_")
    cited = Citation.objects.filter(source=source, quote__contains="climactic")
    assert cited.exists()
    url = f"/admin/sources/source/{source.pk}/change/"
    response = post_form(admin_client, url, text=source.text.replace("climactic", "climatic"))
    assert response.status_code == 302, errors(response)
    source.refresh_from_db()
    assert "climatic assembly" in source.text
    for citation in Citation.objects.filter(source=source):
        assert source.text[citation.start : citation.end] == citation.quote
    changed = Citation.objects.filter(source=source, quote__contains="climatic")
    assert changed.exists() and all(c.needs_review for c in changed)
    assert not Citation.objects.filter(source=source, needs_review=True).exclude(quote__contains="climatic").exists()
    claim = changed.first().claim
    page = admin_client.get(claim.get_absolute_url()).content.decode()
    assert "Under review" in page


def test_a_flagged_passage_stays_flagged_when_it_only_moves_or_comes_back(source, other_source):
    """Found by review: moving a flagged citation (an import shifting offsets, a recovery from history) reviewed
    it by accident, and its claim counted as corroborated on words nobody had checked."""
    claim = make_claim(statement="Khrushchev fell in 1964.")
    flagged = cite(claim, source, "Khrushchev fell in 1964.")
    cite(claim, other_source, "Khrushchev fell in 1964")
    source.text = TEXT.replace("fell in 1964", "fell in October 1964")
    services.source_save(source=source)
    flagged.refresh_from_db()
    assert flagged.needs_review and status(claim) == "single-source"
    # The text shifts again, before an editor has looked: still under review.
    source.text = "Preface. " + source.text
    services.source_save(source=source)
    flagged.refresh_from_db()
    assert flagged.needs_review and status(claim) == "single-source"
    # Deleted, then recovered from its history: still under review.
    record = flagged.history.latest()
    services.citation_delete(citation=flagged)
    services.citation_save(citation=record.instance)
    assert Citation.objects.get(pk=record.id).needs_review and status(claim) == "single-source"


def test_people_and_events_keep_their_counts_of_public_claims_on_every_path(kb, admin_client):
    """The lists read stored counts: each way a claim changes people, event or visibility must keep them."""
    from events.models import Event
    from people.models import Person
    from tests.admin_forms import post_form

    def counts():
        return (
            dict(Person.objects.values_list("slug", "claim_count")),
            dict(Event.objects.values_list("slug", "claim_count")),
        )

    def truth():
        return (
            {p.slug: p.claims.filter(is_public=True).count() for p in Person.objects.all()},
            {e.slug: e.claims.filter(is_public=True).count() for e in Event.objects.all()},
        )

    assert counts() == truth() and counts()[0]["joseph-stalin"] == 1
    claim = Claim.objects.get(key="stalin-death-announced")
    khrushchev, event = Person.objects.get(slug="nikita-khrushchev"), Event.objects.get(slug="ouster-1964")
    # The admin's form: Stalin taken off, Khrushchev put on, an event set.
    response = post_form(
        admin_client, f"/admin/sources/claim/{claim.pk}/change/", people=[str(khrushchev.pk)], event=str(event.pk)
    )
    assert response.status_code == 302
    assert counts() == truth() and counts()[0]["joseph-stalin"] == 0
    claim.people.clear()  # a shell, outside any batch
    assert counts() == truth()
    khrushchev.claims.add(claim)  # the reverse side
    assert counts() == truth()
    services.claims_set_published(claims=Claim.objects.filter(pk=claim.pk), published=False)
    assert counts() == truth()
    claim.event = None
    services.claim_save(claim=claim)
    assert counts() == truth()
    services.claims_delete(claims=Claim.objects.filter(key="ousted-1964"))
    assert counts() == truth()
