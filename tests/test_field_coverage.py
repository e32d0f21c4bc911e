"""Every field of a claim reaches every place it belongs: the importer, the admin, the claim page, the exports
(CSV, JSON, data package) and the backups. A field added to ``Claim`` that one of them misses fails here."""

import io
import json

import pytest
from django.core.management import call_command

from exports.datapackage import descriptor
from exports.tables import TABLES
from khrushchev_kb.backup import backed_up_models
from sources.admin import ClaimAdmin
from sources.importer import SCHEMAS
from sources.models import Claim

pytestmark = pytest.mark.django_db

# Fields that are not content a curator writes, with why.
NOT_CURATED = {
    "id": "the primary key",
    "date_lower": "derived from date (exported as date_start)",
    "date_upper": "derived from date (exported as date_end)",
    "status": "derived by the write layer (sources/evidence.py)",
    "is_public": "derived by the write layer; only public claims are exported at all",
    "created_at": "bookkeeping",
    "updated_at": "bookkeeping",
    "published": "the draft flag: drafts are never exported, and fixtures create published claims",
    "key": "the fixtures' natural key, not shown to readers",
    "timeline_date": "derived: where the timeline places the claim (its own date_start, or its event's)",
}
# Where the exports name a field differently.
EXPORTED_AS = {"event": "event", "people": "people", "tags": "tags", "conflicts": "conflicts_with"}


def claim_fields() -> list[str]:
    fields = [f.name for f in Claim._meta.get_fields() if f.concrete or (f.many_to_many and not f.auto_created)]
    return [name for name in fields if name not in NOT_CURATED and name != "citations" and not name.startswith("_")]


def test_every_field_is_in_the_importer_the_admin_and_the_exports():
    required, optional = SCHEMAS["claim"]
    admin_fields = {name for _, options in ClaimAdmin.fieldsets for name in options["fields"]}
    columns = {c.name: c for c in TABLES["claims"].columns}
    exported = {EXPORTED_AS.get(name, name) for name in columns} | {
        c.raw for c in columns.values() if isinstance(c.raw, str)
    }
    package = {f["name"] for r in descriptor()["resources"] if r["name"] == "claims" for f in r["schema"]["fields"]}
    for name in claim_fields():
        assert name in required | optional, f"the importer does not read claims' {name}"
        assert name in admin_fields or name == "conflicts", f"the claim admin does not show {name}"
        assert EXPORTED_AS.get(name, name) in exported, f"claims.csv has no column for {name}"
        assert EXPORTED_AS.get(name, name) in package, f"the data package does not document {name}"
    assert Claim in backed_up_models()


def test_every_text_field_shows_on_the_claim_page_and_in_the_json(client, kb):
    claim = Claim.objects.get(key="ousted-1964")
    texts = {}
    for field in Claim._meta.concrete_fields:
        if field.name in NOT_CURATED or field.get_internal_type() not in ("CharField", "TextField"):
            continue
        if field.name == "date":
            continue
        texts[field.name] = f"Zq{field.name}marker"
        setattr(claim, field.name, texts[field.name])
    from sources import services

    services.claim_save(claim=claim)
    page = client.get(claim.get_absolute_url()).content.decode()
    data = json.loads(b"".join(client.get("/export/claims.json").streaming_content))
    item = next(i for i in data if i["id"] == claim.pk)
    for name, marker in texts.items():
        assert marker in page, f"the claim page does not show {name}"
        assert item[EXPORTED_AS.get(name, name)] == marker, f"claims.json lacks {name}"
    out = io.StringIO()
    call_command("dumpdata", "sources.claim", stdout=out)
    assert all(marker in out.getvalue() for marker in texts.values())
