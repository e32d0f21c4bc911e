"""The admin: every model registered and reachable, the claims CSV action."""

import csv
import io

import pytest
from django.contrib.admin.sites import site

from exports.tables import TABLES
from sources.models import Claim
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model_name", ["person", "event", "source", "reference", "figure", "claim", "citation", "conflict"]
)
def test_every_model_has_a_changelist_search_and_history(admin_client, kb, model_name):
    model = next(m for m in site._registry if m._meta.model_name == model_name)
    base = f"/admin/{model._meta.app_label}/{model_name}/"
    assert admin_client.get(base).status_code == 200
    assert admin_client.get(base + "?q=Khrushchev").status_code == 200
    obj = model.objects.first()
    assert admin_client.get(f"{base}{obj.pk}/change/").status_code == 200
    assert admin_client.get(f"{base}{obj.pk}/history/").status_code == 200


def test_export_selected_claims_as_csv(admin_client, kb):
    draft = make_claim(statement="An uncited draft, which the public exports never hold.")
    assert not draft.is_public
    chosen = [*Claim.objects.filter(key__in=["ousted-1964", "first-secretary-1953"]).order_by("pk"), draft]
    response = admin_client.post(
        "/admin/sources/claim/",
        {"action": "export_claims_csv", "_selected_action": [c.pk for c in chosen]},
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode(), newline="")))
    assert rows[0] == TABLES["claims"].names
    assert [int(r[0]) for r in rows[1:]] == [c.pk for c in chosen]
    assert rows[-1][1] == draft.statement and rows[-1][TABLES["claims"].names.index("citation_count")] == "0"


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get("/admin/sources/claim/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
