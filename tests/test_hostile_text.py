"""Hostile text stays text: the XSS corpus in every field, on every page, export and admin page.

The same planted data is loaded in real Chromium by tests/test_browser.py
(no dialog, no script, nothing fetched from elsewhere).
"""

import csv
import io
import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from taggit.models import Tag

from exports.tables import TABLES as COLUMNS

from .hostile import plant, problems
from .xss_corpus import PAYLOADS

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted():
    return plant()


def public_urls(made) -> list[str]:
    urls = ["/", "/?year=1956", "/claims/", "/people/", "/events/", "/sources/", "/disputes/", "/search/?q=script"]
    urls += ["/claims/?page=2", "/claims/?page=3", "/people/?page=2", "/events/?page=2", "/sources/?page=2"]
    for kind in ("claims", "people", "events", "sources"):
        urls += [obj.get_absolute_url() for obj in made[kind]]
    urls += [f"/tags/{slug}/" for slug in Tag.objects.values_list("slug", flat=True)]
    return urls


def test_the_corpus_is_large_and_varied():
    assert len(PAYLOADS) >= 50
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    for marker in ("<script", "onerror", "javascript:", "data:", "<svg", "&#", "](", "<iframe"):
        assert any(marker in p.lower() for p in PAYLOADS), marker


def test_every_public_page_shows_the_payloads_as_text(client, planted):
    for url in public_urls(planted):
        response = client.get(url)
        if url.endswith("?page=2") or url.endswith("?page=3"):
            assert response.status_code in (200, 404), url
            if response.status_code == 404:
                continue
        assert response.status_code == 200, url
        html = response.content.decode("utf-8")
        assert problems(html) == [], url
    for claim in planted["claims"]:  # the statement is shown, as written, as the page's heading
        soup = BeautifulSoup(client.get(claim.get_absolute_url()).content, "html.parser")
        assert soup.h1.get_text() == claim.statement
    for source in planted["sources"][:10]:  # the cited passage reads exactly as the source
        soup = BeautifulSoup(client.get(source.get_absolute_url()).content, "html.parser")
        passage = soup.find(id=f"cite-{source.citations.get().pk}")
        assert source.citations.get().quote in passage.get_text()


def test_search_and_filters_reflect_hostile_queries_as_text(client, planted):
    for payload in PAYLOADS:
        for url in ("/search/", "/claims/", "/"):
            response = client.get(url, {"q": payload})
            assert response.status_code in (200, 400), (url, payload)
            assert problems(response.content.decode("utf-8")) == [], (url, payload)
        response = client.get("/claims/", {"person": payload, "tag": payload, "status": payload, "source": payload})
        assert response.status_code in (200, 400), payload
        assert problems(response.content.decode("utf-8")) == [], payload


def test_exports_carry_the_payloads_verbatim_and_defused(client, planted):
    for table in COLUMNS:
        response = client.get(f"/export/{table}.csv")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith("attachment;")
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"), newline="")))
        for row in rows[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (table, cell)
    claims = json.loads(b"".join(client.get("/export/claims.json").streaming_content))
    statements = {c["statement"] for c in claims}
    assert set(PAYLOADS) <= statements
    quotes = {q["quote"] for c in claims for q in c["citations"]}
    assert set(PAYLOADS) <= quotes


def test_the_admin_shows_the_payloads_as_text(client, planted):
    admin = User.objects.create_superuser("root", password="a long admin password")
    client.force_login(admin)
    claim, source, person, event = (planted[k][3] for k in ("claims", "sources", "people", "events"))
    urls = [
        "/admin/",
        "/admin/sources/claim/",
        "/admin/sources/source/",
        "/admin/people/person/",
        "/admin/events/event/",
        "/admin/sources/conflict/",
        "/admin/sources/citation/",
        "/admin/taggit/tag/",
        f"/admin/sources/claim/{claim.pk}/change/",
        f"/admin/sources/claim/{claim.pk}/history/",
        f"/admin/sources/claim/{claim.pk}/delete/",
        f"/admin/sources/source/{source.pk}/change/",
        f"/admin/people/person/{person.pk}/change/",
        f"/admin/events/event/{event.pk}/change/",
    ]
    urls += [f"/admin/sources/claim/?q={p}" for p in PAYLOADS[:20]]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert problems(response.content.decode("utf-8")) == [], url
