"""History in the admin: who changed what and when, revert to an earlier version, recover a deleted claim."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client

from editing.concurrency import current_token
from sources.models import Citation, Claim, Conflict, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(fixture_folder):
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    call_command("setup_roles", stdout=StringIO())
    user = User.objects.create_user("edna", password="a long editor password", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(user)
    return client


def change_form(claim, **changes):
    """The claim's change form as the admin would post it back, with some fields changed."""
    citations = list(claim.citations.all())
    data = {
        "statement": claim.statement,
        "date": claim.date,
        "people": [str(p.pk) for p in claim.people.all()],
        "event": str(claim.event_id or ""),
        "tags": ", ".join(t.name for t in claim.tags.all()),
        "note": claim.note,
        "published": "on" if claim.published else "",
        "citations-TOTAL_FORMS": str(len(citations)),
        "citations-INITIAL_FORMS": str(len(citations)),
        "conflict_links-TOTAL_FORMS": "0",
        "conflict_links-INITIAL_FORMS": "0",
        "_edit_token": current_token(claim),  # the version this form was opened at (editing/concurrency.py)
    }
    for i, c in enumerate(citations):
        data |= {
            f"citations-{i}-id": str(c.pk),
            f"citations-{i}-claim": str(claim.pk),
            f"citations-{i}-source": str(c.source_id),
            f"citations-{i}-quote": c.quote,
            f"citations-{i}-start": str(c.start),
            f"citations-{i}-end": str(c.end),
        }
    data |= changes
    if not data["published"]:
        del data["published"]
    return data


def history_form(record):
    """The fields of a historical version, as its revert form posts them."""
    claim = record.instance
    return {
        "statement": claim.statement,
        "date": claim.date,
        "people": [str(row.person_id) for row in record.people.all()],  # the people as of that version
        "event": str(claim.event_id or ""),
        "tags": "",
        "note": claim.note,
        "published": "on",
    }


def test_every_change_is_recorded_with_who_and_when_and_can_be_reverted(editor):
    claim = Claim.objects.get(key="ousted-1964")
    original = claim.statement
    response = editor.post(f"/admin/sources/claim/{claim.pk}/change/", change_form(claim, statement="Edited once."))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.statement == "Edited once."

    records = list(claim.history.order_by("-history_date"))
    assert records[0].history_user.username == "edna"
    assert records[0].history_type == "~"
    page = editor.get(f"/admin/sources/claim/{claim.pk}/history/").content.decode()
    assert "edna" in page and "Edited once." in page and original in page  # the change, before and after

    before = next(r for r in records if r.statement == original)
    form_page = editor.get(f"/admin/sources/claim/{claim.pk}/history/{before.history_id}/")
    assert form_page.status_code == 200 and "Revert" in form_page.content.decode()
    response = editor.post(f"/admin/sources/claim/{claim.pk}/history/{before.history_id}/", history_form(before))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.statement == original
    assert claim.history.count() > len(records)  # the revert is itself a recorded change
    assert claim.history.latest().history_user.username == "edna"
    assert claim.citations.count() == 2  # reverting the claim leaves its citations in place


def test_a_deleted_claim_is_recovered_with_its_citations_and_conflicts(editor):
    claim = Claim.objects.get(key="ousted-october-1964")
    claim_id = claim.pk
    quotes = sorted(claim.citations.values_list("quote", flat=True))
    partner = Claim.objects.get(key="first-secretary-1953")
    assert partner.status == "contested"
    # An editor may delete a claim (nothing cites a claim); the cascade takes its citations and conflicts.
    assert editor.post(f"/admin/sources/claim/{claim_id}/delete/", {"post": "yes"}).status_code == 302
    assert not Claim.objects.filter(pk=claim_id).exists()
    partner.refresh_from_db()
    assert partner.status == "single-source"

    history_page = editor.get(f"/admin/sources/claim/{claim_id}/history/")
    assert history_page.status_code == 200
    last = Claim.history.filter(id=claim_id).exclude(history_type="-").latest()
    response = editor.post(
        f"/admin/sources/claim/{claim_id}/history/{last.history_id}/", history_form(last), follow=True
    )
    assert response.status_code == 200
    errors = response.context and response.context.get("adminform") and response.context["adminform"].form.errors
    assert not errors, errors
    assert "Recovered the deleted claim with 1 citation(s) and 1 conflict(s)" in response.content.decode()

    recovered = Claim.objects.get(pk=claim_id)
    assert recovered.statement == claim.statement
    assert sorted(recovered.citations.values_list("quote", flat=True)) == quotes
    for citation in recovered.citations.select_related("source"):
        assert citation.source.text[citation.start : citation.end] == citation.quote
    assert Conflict.objects.filter(from_claim=recovered, to_claim=partner).exists()
    assert Conflict.objects.filter(from_claim=partner, to_claim=recovered).exists()
    partner.refresh_from_db()
    recovered.refresh_from_db()
    assert (partner.status, recovered.status) == ("contested", "contested")


def test_a_citation_whose_source_changed_is_not_recovered_at_the_wrong_words(editor):
    claim = Claim.objects.get(key="stalin-death-announced")
    claim_id = claim.pk
    editor.post(f"/admin/sources/claim/{claim_id}/delete/", {"post": "yes"})
    source = Source.objects.get(slug="source-a")
    source.text = source.text.replace("announced Stalin’s death", "reported that Stalin had died")
    source.save()
    last = Claim.history.filter(id=claim_id).exclude(history_type="-").latest()
    response = editor.post(
        f"/admin/sources/claim/{claim_id}/history/{last.history_id}/", history_form(last), follow=True
    )
    page = response.content.decode()
    assert "Not recovered: citation" in page
    assert Claim.objects.filter(pk=claim_id).exists()
    assert not Citation.objects.filter(claim_id=claim_id).exists()


def test_a_deleted_source_is_recovered_from_its_history(editor):
    """Found by review: recovering a deleted source raised DoesNotExist (a 500) while planning its text change."""
    from tests.admin_forms import errors, form_data

    source = Source.objects.create(slug="pamphlet", title="A pamphlet", text="Nobody cites this pamphlet yet.")
    assert editor.post(f"/admin/sources/source/{source.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Source.objects.filter(pk=source.pk).exists()
    last = Source.history.filter(id=source.pk).exclude(history_type="-").latest()
    url = f"/admin/sources/source/{source.pk}/history/{last.history_id}/"
    response = editor.post(url, form_data(editor, url))
    assert response.status_code == 302, errors(response)
    recovered = Source.objects.get(pk=source.pk)
    assert (recovered.slug, recovered.text) == ("pamphlet", "Nobody cites this pamphlet yet.")
