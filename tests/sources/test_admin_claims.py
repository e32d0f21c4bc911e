"""Adding claims through the admin: quotes become offsets, bad quotes and dates are refused with clear messages."""

import pytest

from sources.models import Citation, Claim, Source

pytestmark = pytest.mark.django_db


def claim_form(source, quote, *, statement="A new claim.", date="1964", start=""):
    return {
        "statement": statement,
        "date": date,
        "tags": "",
        "note": "",
        "citations-TOTAL_FORMS": "1",
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "1000",
        "citations-0-source": str(source.pk),
        "citations-0-quote": quote,
        "citations-0-start": start,
        "citations-0-end": "",
        "conflict_links-TOTAL_FORMS": "0",
        "conflict_links-INITIAL_FORMS": "0",
        "conflict_links-MIN_NUM_FORMS": "0",
        "conflict_links-MAX_NUM_FORMS": "1000",
    }


def errors(response):
    text = []
    for formset in response.context["inline_admin_formsets"]:
        text += [str(e) for e in formset.formset.errors if e]
    text += [str(response.context["adminform"].form.errors)]
    return " ".join(text)


def test_pasted_quote_gets_its_offsets(admin_client, kb):
    source = Source.objects.get(slug="source-b")
    response = admin_client.post("/admin/sources/claim/add/", claim_form(source, "He died on September 11, 1971."))
    assert response.status_code == 302, errors(response)
    citation = Citation.objects.get(quote="He died on September 11, 1971.")
    assert source.text[citation.start : citation.end] == citation.quote
    assert citation.claim.history.count() >= 1


def test_quote_not_in_the_source_shows_the_closest_passage(admin_client, kb):
    source = Source.objects.get(slug="source-b")
    before = Claim.objects.count()
    response = admin_client.post("/admin/sources/claim/add/", claim_form(source, "He died on September 12, 1971."))
    assert response.status_code == 200
    assert "closest passage is" in errors(response) and "September 11, 1971" in errors(response)
    assert Claim.objects.count() == before


def test_ambiguous_quote_asks_for_the_start(admin_client, kb):
    source = Source.objects.get(slug="source-a")
    response = admin_client.post("/admin/sources/claim/add/", claim_form(source, "Khrushchev was ousted in 1964."))
    assert "occurs 2 times" in errors(response)
    response = admin_client.post(
        "/admin/sources/claim/add/", claim_form(source, "Khrushchev was ousted in 1964.", start="145")
    )
    assert response.status_code == 302


def test_bad_edtf_is_refused_with_examples(admin_client, kb):
    source = Source.objects.get(slug="source-b")
    response = admin_client.post(
        "/admin/sources/claim/add/", claim_form(source, "He died on September 11, 1971.", date="Sept 1971")
    )
    assert response.status_code == 200
    assert "not a valid EDTF date" in errors(response)


def test_claim_admin_filters_and_view_on_site(admin_client, kb):
    for query in ("?status__exact=contested", "?year=1964", "?year=undated", "?people__id__exact=1"):
        assert admin_client.get("/admin/sources/claim/" + query).status_code == 200
    claim = Claim.objects.first()
    page = admin_client.get(f"/admin/sources/claim/{claim.pk}/change/").content.decode()
    assert "View on site" in page


@pytest.mark.parametrize("date", ["Y1E99999999", "196X-1X-XX", "1950S2", "²"])
def test_edtf_the_grammar_accepts_but_cannot_bound_is_a_form_error(admin_client, kb, date):
    source = Source.objects.get(slug="source-b")
    before = Claim.objects.count()
    response = admin_client.post(
        "/admin/sources/claim/add/", claim_form(source, "He died on September 11, 1971.", date=date)
    )
    assert response.status_code == 200
    assert "not a valid EDTF date" in errors(response)
    assert Claim.objects.count() == before
