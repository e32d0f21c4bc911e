"""Drafts: a claim or source kept unpublished is invisible on every public page, search and export.

The test plants drafts marked with a word no real text contains, crawls the whole
public site from its entry points (following every link), fetches every export,
and checks the word is nowhere; then publishes and checks everything appears.
"""

from io import StringIO
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from people.models import Person
from sources import services
from sources.models import Claim, Source
from tests.conftest import cite, conflict, make_claim, make_source

pytestmark = pytest.mark.django_db

MARK = "zqdraftmark"
PREFIX = MARK[:-3]  # searched for: matches the mark by prefix, so a page echoing the query does not contain it
ENTRY_POINTS = [
    "/",
    "/claims/",
    "/sources/",
    "/people/",
    "/events/",
    "/disputes/",
    f"/search/?q={PREFIX}",
    f"/claims/?q={PREFIX}",
    "/search/?q=Khrushchev",
    "/export/datapackage.json",
    "/export/claims.json",
    "/export/claims.csv",
    "/export/citations.csv",
    "/export/sources.csv",
    "/export/people.csv",
    "/export/events.csv",
    f"/export/claims.csv?q={PREFIX}",
    f"/export/claims.json?q={PREFIX}",
]


def set_published(queryset, value):
    if queryset.model is Source:
        return services.sources_set_published(sources=queryset, published=value)
    return services.claims_set_published(claims=queryset, published=value)


@pytest.fixture
def drafts(fixture_folder):
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    draft_source = make_source(
        title=f"A {MARK} source",
        slug="draft-source",
        publisher=MARK,
        text=f"The Soviet Union announced Stalin’s death on March 6, 1953, says the {MARK} memoir.\n",
        is_published=False,
    )
    only_in_draft = make_claim(statement=f"A {MARK} claim only the draft source supports.")
    cite(only_in_draft, draft_source, f"the {MARK} memoir")
    stalin = Claim.objects.get(key="stalin-death-announced")
    hidden_citation = cite(stalin, draft_source, "The Soviet Union announced Stalin’s death on March 6, 1953")

    draft_claim = make_claim(statement=f"A {MARK} draft claim.", published=False, date="1953-03")
    draft_claim.people.add(Person.objects.get(slug="joseph-stalin"))
    draft_claim.tags.add("succession")
    cite(draft_claim, Source.objects.get(slug="source-a"), "Stalin’s death")
    conflict(draft_claim, stalin, f"The {MARK} note.")
    return {
        "source": draft_source,
        "only_in_draft": only_in_draft,
        "hidden_citation": hidden_citation,
        "draft_claim": draft_claim,
        "stalin": stalin,
    }


def crawl(client, limit=600):
    """Every public URL reachable from the entry points: {url: body text}."""
    seen: dict[str, str] = {}
    queue = list(ENTRY_POINTS)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code in (200, 400), (url, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode()
        seen[url] = text
        if not response["Content-Type"].startswith("text/html"):
            continue
        for link in BeautifulSoup(text, "html.parser").find_all("a", href=True):
            parts = urlsplit(urljoin(url, link["href"]))
            if parts.netloc or parts.path.startswith(("/admin", "/static", "/media")):
                continue
            if parts.query.count("&") >= 1 and not parts.query.startswith("page="):
                continue  # combinations of filters: every object is reached without them
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                queue.append(target)
    assert len(seen) < limit, "the crawl hit its cap: the small site should be covered completely"
    return seen


def test_drafts_appear_nowhere_on_the_public_site(client, drafts):
    pages = crawl(client)
    assert len(pages) > 30
    leaks = [url for url, body in pages.items() if MARK in body.lower()]
    assert leaks == []
    for hidden in (drafts["draft_claim"], drafts["only_in_draft"]):
        assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(drafts["source"].get_absolute_url()).status_code == 404
    assert client.get("/claims/?source=draft-source").status_code == 400  # no such (public) source
    # Neither the draft conflict nor the citation in the draft source shows through the status.
    drafts["stalin"].refresh_from_db()
    assert drafts["stalin"].status == "single-source"
    assert f"#cite-{drafts['hidden_citation'].pk}" not in pages[drafts["stalin"].get_absolute_url()]


def test_publishing_makes_the_drafts_appear(client, drafts):
    assert set_published(Claim.objects.filter(pk=drafts["draft_claim"].pk), True) == 1
    drafts["stalin"].refresh_from_db()
    assert drafts["stalin"].status == "contested"
    assert MARK in client.get("/disputes/").content.decode()
    assert client.get(drafts["draft_claim"].get_absolute_url()).status_code == 200
    assert drafts["draft_claim"].statement in client.get("/").content.decode()
    assert client.get(drafts["only_in_draft"].get_absolute_url()).status_code == 404  # its source is still a draft

    assert set_published(Source.objects.filter(pk=drafts["source"].pk), True) == 1
    assert client.get(drafts["only_in_draft"].get_absolute_url()).status_code == 200
    page = client.get(drafts["source"].get_absolute_url()).content.decode()
    assert f'id="cite-{drafts["hidden_citation"].pk}"' in page
    csv = b"".join(client.get("/export/citations.csv").streaming_content).decode()
    assert MARK in csv
    set_published(Claim.objects.filter(pk=drafts["draft_claim"].pk), False)
    drafts["stalin"].refresh_from_db()
    assert drafts["stalin"].status == "corroborated"  # by source A and the now published source


def test_unpublishing_hides_again_and_releases_the_conflict(client, drafts):
    set_published(Claim.objects.filter(pk=drafts["draft_claim"].pk), True)
    set_published(Claim.objects.filter(pk=drafts["draft_claim"].pk), False)
    drafts["stalin"].refresh_from_db()
    assert drafts["stalin"].status == "single-source"
    assert client.get(drafts["draft_claim"].get_absolute_url()).status_code == 404
    assert MARK not in client.get("/disputes/").content.decode()


def test_editors_still_see_drafts_in_the_admin(admin_client, drafts):
    page = admin_client.get("/admin/sources/claim/?published__exact=0").content.decode()
    assert drafts["draft_claim"].statement in page
    page = admin_client.get("/admin/sources/source/?is_published__exact=0").content.decode()
    assert drafts["source"].title in page


def test_admin_publish_action(admin_client, drafts):
    response = admin_client.post(
        "/admin/sources/claim/",
        {"action": "publish", "_selected_action": [drafts["draft_claim"].pk]},
        follow=True,
    )
    assert "Published 1 of 1" in response.content.decode()
    drafts["draft_claim"].refresh_from_db()
    assert drafts["draft_claim"].published
    assert Claim.history.filter(id=drafts["draft_claim"].pk, published=True).exists()


def test_a_published_claim_without_public_evidence_warns_the_editor(admin_client, drafts):
    response = admin_client.post(
        "/admin/sources/claim/add/",
        {
            "statement": "A claim nobody cites yet.",
            "published": "on",
            "citations-TOTAL_FORMS": "0",
            "citations-INITIAL_FORMS": "0",
            "conflict_links-TOTAL_FORMS": "0",
            "conflict_links-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "no published source cites it yet" in response.content.decode()
