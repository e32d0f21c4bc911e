"""Reader pages: status, key content, cross-links both ways, 404s, filters and pinned query counts."""

import json
import re

import pytest
from bs4 import BeautifulSoup

from sources import services
from sources.models import Citation, Claim, Conflict
from tests.conftest import cite, make_claim

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


PAGES = [
    "/",
    "/claims/",
    "/sources/",
    "/sources/source-a/",
    "/people/",
    "/people/nikita-khrushchev/",
    "/events/",
    "/events/ouster-1964/",
    "/disputes/",
    "/tags/ouster/",
    "/search/?q=ousted",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_and_are_free_of_inline_script_and_style(client, kb, url):
    response = client.get(url)
    assert response.status_code == 200
    page = soup(response)
    assert page.find("main") and page.find("h1")
    assert not page.select("[style]")
    for script in page.find_all("script"):
        assert script.get("type") == "application/ld+json"
    assert not any(attr.startswith("on") for tag in page.find_all(True) for attr in tag.attrs)


def test_claim_page_links_to_each_passage_and_the_passage_links_back(client, kb):
    claim = Claim.objects.get(key="ousted-1964")
    page = soup(client.get(claim.get_absolute_url()))
    assert claim.statement in page.get_text()
    assert page.find(class_="badge").get_text() == "Corroborated"
    for citation in claim.citations.select_related("source"):
        url = f"/sources/{citation.source.slug}/#cite-{citation.pk}"
        assert page.find("a", href=url), url
        source_page = soup(client.get(f"/sources/{citation.source.slug}/"))
        passage = source_page.find(id=f"cite-{citation.pk}")
        assert " ".join(passage.get_text().replace("↩", "").split()) == " ".join(citation.quote.split())
        assert passage.find("a", href=claim.get_absolute_url())


def test_conflicting_claims_are_side_by_side_with_the_note(client, kb):
    claim = Claim.objects.get(key="ousted-october-1964")
    page = soup(client.get(claim.get_absolute_url()))
    conflicts = page.find(class_="conflicts")
    assert "A deliberately odd conflict" in conflicts.get_text()
    other = Claim.objects.get(key="first-secretary-1953")
    assert conflicts.find("a", href=other.get_absolute_url())
    disputes = soup(client.get("/disputes/"))
    assert len(disputes.select("article.dispute")) == Conflict.objects.pairs().count() == 1


def test_claim_page_offers_a_citation(client, kb):
    claim = Claim.objects.get(key="stalin-death-announced")
    text = soup(client.get(claim.get_absolute_url())).find(class_="cite-text").get_text()
    assert claim.statement in text and f"/claims/{claim.pk}/" in text and "Source A" in text


def test_timeline_groups_by_year_and_shows_dates_honestly(client, kb):
    page = soup(client.get("/"))
    years = [h.get_text(" ", strip=True).split()[0] for h in page.select("section.year h2")]
    assert years == ["1953", "1964"]
    text = page.get_text(" ")
    assert "6 March 1953" in text and "September 1953" in text and "October 1964" in text
    assert "12–14 October 1964" in text  # the event, a range
    assert page.select_one("svg.chart-wide .turning circle.tp-dot") and page.select_one("svg.chart-tall .turning")
    for claim in Claim.objects.all():
        assert page.find("a", href=claim.get_absolute_url())


def test_timeline_and_claims_filters(client, kb):
    page = soup(client.get("/claims/?person=joseph-stalin"))
    assert [a.get_text() for a in page.select(".claim-statement a")] == [
        "The Soviet Union announced Stalin's death on 6 March 1953."
    ]
    page = soup(client.get("/claims/?from=1960&status=contested"))
    assert [a.get_text() for a in page.select(".claim-statement a")] == [
        "Khrushchev was ousted by the Presidium in October 1964."
    ]
    page = soup(client.get("/?source=source-b"))
    assert len(page.select(".entry-claim")) == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("person=nobody", "There is no person with the slug “nobody”"),
        ("status=maybe", "Unknown status “maybe”"),
        ("from=soon", "is not a year or an EDTF date"),
        ("from=1964&to=1953", "The “from” date is after the “to” date"),
        ("tag=%3Cscript%3E", "There is no tag"),
    ],
)
def test_bad_filters_give_a_clear_message_not_a_500(client, kb, query, message):
    urls = ["/claims/"] + (["/"] if query.split("=")[0] in ("person", "status", "tag") else [])
    for url in urls:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400
        assert message in soup(response).find(class_="message-error").get_text()


@pytest.mark.parametrize(
    "url", ["/claims/999999/", "/sources/nope/", "/people/nope/", "/events/nope/", "/tags/nope/", "/claims/abc/"]
)
def test_unknown_ids_and_slugs_are_404_in_the_site_layout(client, kb, url):
    response = client.get(url)
    assert response.status_code == 404
    assert soup(response).find("header", class_="site-header")


def test_huge_page_numbers_are_not_errors(client, kb):
    assert client.get("/claims/?page=999999999").status_code == 200
    assert client.get("/claims/?page=abc").status_code == 200


def test_source_page_has_provenance_and_references(client, kb):
    page = soup(client.get("/sources/source-a/"))
    provenance = page.find(class_="provenance").get_text(" ")
    assert "a.txt" in provenance and "SHA-256" in provenance
    assert page.find("a", href="https://example.org/work")
    assert "Figure not uploaded yet" in page.get_text() or "Khrushchev.jpg" in page.get_text()


@pytest.mark.parametrize("url", ["/people/nikita-khrushchev/", "/events/ouster-1964/", "/sources/source-a/"])
def test_json_ld_is_valid_json(client, kb, url):
    script = soup(client.get(url)).find("script", type="application/ld+json")
    data = json.loads(script.string)
    assert data["@context"] == "https://schema.org"


def test_person_page_shows_aliases_and_claims(client, kb):
    page = soup(client.get("/people/nikita-khrushchev/"))
    assert "Gruschev" in page.get_text()
    assert len(page.select(".claim-row")) == 3


def test_event_page_groups_claims_by_source_and_flags_conflicts(client, kb):
    page = soup(client.get("/events/ouster-1964/"))
    groups = page.select("section.source-group h3")
    assert [g.get_text() for g in groups] == ["Source A", "Source B"]


def test_search_finds_aliases_and_quotes(client, kb):
    assert "Nikita Khrushchev" in soup(client.get("/search/?q=Gruschev")).get_text()
    page = soup(client.get("/search/?q=Presidium"))
    assert page.select(".claim-row")


def test_markdown_is_sanitised(client, kb):
    claim = Claim.objects.get(key="ousted-1964")
    claim.note = "[x](javascript:alert(1)) <script>alert(2)</script> <img src=x onerror=alert(3)> **bold**"
    services.claim_save(claim=claim)
    html = client.get(claim.get_absolute_url()).content.decode()
    assert "javascript:" not in html and "<script>alert" not in html and "onerror" not in html
    assert "<strong>bold</strong>" in html


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"


@pytest.mark.parametrize(
    ("url", "limit"),
    [
        ("/", 12),  # with the chart's positions (1 query), its counts, the filter choices and the year sections
        ("/claims/", 12),  # with the facet counts (4 grouped queries, cached under the page's tags and filters)
        ("/claims/?person=nikita-khrushchev&tag=ouster", 12),
        ("/sources/", 6),
        ("/sources/source-a/", 6),
        ("/people/", 4),
        ("/people/nikita-khrushchev/", 9),
        ("/events/", 4),
        ("/events/ouster-1964/", 8),
        ("/disputes/", 6),
        ("/tags/ouster/", 12),
        ("/tags/", 2),
        ("/?year=1964", 12),
        ("/claims/?year=1964", 12),
        ("/about/", 3),
        ("/search/?q=Khrushchev", 12),
    ],
)
def test_query_counts_do_not_grow_with_the_data(client, kb, django_assert_max_num_queries, url, limit):
    """Pinned at seed size with every cache empty (the worst case); adding claims must not add queries."""
    with django_assert_max_num_queries(limit):
        client.get(url)
    source = Citation.objects.first().source
    for i in range(60):
        claim = make_claim(statement=f"Extra claim {i}", date=f"19{53 + i % 18}")
        claim.tags.add("ouster")
        claim.people.add(*Claim.objects.get(key="ousted-1964").people.all())
        cite(claim, source, source.text[i : i + 5], start=i)
    with django_assert_max_num_queries(limit):
        client.get(url)


def test_claims_list_links_to_the_same_view_as_csv(client, kb):
    page = soup(client.get("/claims/?person=nikita-khrushchev&status=contested"))
    link = page.find("a", href=re.compile(r"^/export/claims\.csv\?"))
    assert link["href"] == "/export/claims.csv?person=nikita-khrushchev&status=contested"


def test_timeline_pages_through_one_year_and_previews_the_rest(client, kb, monkeypatch):
    from khrushchev_kb import timeline

    monkeypatch.setattr(timeline, "PREVIEW", 1)  # 1964 has two claims: one shown, one behind the link
    page = soup(client.get("/"))
    section = page.find("section", id="y1964")
    assert len(section.select("li.entry-claim")) == 1
    more = section.find("a", string=re.compile("All 2 claims of 1964"))
    assert more["href"] == "?year=1964"

    year = soup(client.get("/?year=1964"))
    assert year.find("h1").get_text() == "1964"
    statements = [a.get_text() for a in year.select("li.entry-claim p > a")]
    assert sorted(statements) == sorted(Claim.objects.filter(date_lower__year=1964).values_list("statement", flat=True))
    assert year.find("a", string=re.compile("The removal of Khrushchev"))  # the year's events

    undated = client.get("/?year=undated")
    assert undated.status_code == 200 and "Claims the sources do not date" in undated.content.decode()
    bad = client.get("/?year=nineteen")
    assert bad.status_code == 400 and "is not a year" in bad.content.decode()
    filtered = soup(client.get("/?year=1964&status=corroborated"))
    assert [a.get_text() for a in filtered.select("li.entry-claim p > a")] == ["Khrushchev was ousted in 1964."]


def test_pages_are_cached_per_content_version(client, kb):
    claim = Claim.objects.get(key="ousted-1964")
    assert client.get(claim.get_absolute_url())["X-KB-Cache"] == "miss"
    assert client.get(claim.get_absolute_url())["X-KB-Cache"] == "hit"
    claim.statement = "Khrushchev was removed in 1964."
    services.claim_save(claim=claim)
    response = client.get(claim.get_absolute_url())
    assert response["X-KB-Cache"] == "miss" and "Khrushchev was removed in 1964." in response.content.decode()
    client.cookies["sessionid"] = "anything"  # anyone with a session always gets a fresh page
    assert "X-KB-Cache" not in client.get(claim.get_absolute_url())


def test_pagination_links_lead_to_the_next_page(client, kb):
    source = Citation.objects.first().source
    for i in range(60):
        claim = make_claim(statement=f"Paged claim {i:02d}", date="1960")
        cite(claim, source, source.text[i : i + 5], start=i)
    first = soup(client.get("/claims/?tag="))
    next_link = first.find("a", rel="next")
    assert next_link["href"] == "?tag=&page=2" or next_link["href"] == "?page=2", next_link["href"]
    second = soup(client.get("/claims/" + next_link["href"]))
    assert second.find(string=re.compile(r"Page 2 of 2"))
    shown = lambda page: {a.get_text() for a in page.select(".claim-statement a")}  # noqa: E731
    assert shown(first).isdisjoint(shown(second))
    year_page = soup(client.get("/?year=1960"))
    assert soup(client.get("/" + year_page.find("a", rel="next")["href"])).find(string=re.compile("Page 2 of 2"))


@pytest.mark.parametrize("value", ["Y7E9999999", "Y1E99999999", "196X-1X-XX", "1950S2", "²"])
@pytest.mark.parametrize("url", ["/claims/", "/export/claims.csv", "/export/citations.csv", "/export/claims.json"])
def test_edtf_the_grammar_accepts_but_cannot_bound_is_a_clear_400(client, kb, url, value):
    for name in ("from", "to"):
        response = client.get(url, {name: value})
        assert response.status_code == 400, (url, name, value)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert "is not a year or an EDTF date" in body.decode()


@pytest.mark.parametrize("year", ["²", "١٩٦٤", "１９６４", "99999999999"])
def test_a_year_in_other_digits_is_not_a_500(client, kb, year):
    assert client.get("/", {"year": year}).status_code in (200, 400)


def test_a_tag_in_another_script_has_a_page_and_every_page_showing_it_works(client, kb):
    """Issue 14: a tag named «оттепель» made every page showing it answer 500 (the slug route was ASCII-only)."""
    claim = Claim.objects.get(key="ousted-1964")
    claim.tags.add("оттепель", "dégel 1956")
    services.claim_save(claim=claim)
    slugs = set(claim.tags.values_list("slug", flat=True))
    assert "оттепель" in slugs
    for url in ("/", "/claims/", claim.get_absolute_url(), "/people/nikita-khrushchev/", "/events/ouster-1964/"):
        assert client.get(url).status_code == 200, url
    for slug in slugs:
        response = client.get(f"/tags/{slug}/")
        assert response.status_code == 200, slug
        assert claim.statement in response.content.decode()
    assert client.get("/claims/", {"tag": "оттепель"}).status_code == 200
