"""What readers get (issue 17): claims placed by their event, one meaning of "the claims of a year", facets and
sorting, the about and themes pages, forgiving search that ranks note-only matches last, the chart's geometry."""

import datetime
import itertools

import pytest
from bs4 import BeautifulSoup

from events.models import Event
from khrushchev_kb import chart
from sources import services
from sources.models import Claim
from tests.conftest import cite, make_claim

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def test_a_claim_without_a_date_is_placed_by_its_event_and_says_so(client, kb):
    source = Claim.objects.get(key="ousted-1964").citations.first().source
    event = Event.objects.get(slug="ouster-1964")
    claim = make_claim(statement="The Presidium turned on him.", event=event)
    cite(claim, source, "Khrushchev became First Secretary")
    claim.refresh_from_db()
    assert claim.date_lower is None and claim.timeline_date == datetime.date(1964, 10, 12) and claim.dated_by_event
    year = soup(client.get("/?year=1964"))
    entry = next(li for li in year.select(".entry-claim") if claim.statement in li.get_text())
    assert "dated by its event" in entry.get_text()
    page = soup(client.get(claim.get_absolute_url())).get_text()
    assert "dated by its event" in page and "none in the source" in page
    # Moving the event moves the claim; its own date wins over the event's.
    event.date = "1965"
    services.event_save(event=event)
    claim.refresh_from_db()
    assert claim.timeline_date == datetime.date(1965, 1, 1)
    claim.date = "1960"
    services.claim_save(claim=claim)
    claim.refresh_from_db()
    assert claim.timeline_date == datetime.date(1960, 1, 1) and not claim.dated_by_event


def test_the_claims_of_a_year_mean_the_same_on_the_timeline_the_list_and_the_csv(client, kb):
    year_page = soup(client.get("/?year=1964"))
    on_timeline = {a["href"] for a in year_page.select(".entry-claim p > a")}
    listed = soup(client.get("/claims/?year=1964"))
    assert {a["href"] for a in listed.select(".claim-statement a")} == on_timeline
    csv_ids = b"".join(client.get("/export/claims.csv?year=1964").streaming_content).decode().count("\r\n") - 1
    assert csv_ids == len(on_timeline) == 2
    assert client.get("/claims/?year=%C2%B2").status_code == 400


def test_the_claims_list_counts_each_facet_and_sorts(client, kb):
    page = soup(client.get("/claims/"))
    facets = {f.find("h2").get_text(): f.get_text(" ") for f in page.select(".facet")}
    assert "Contested 2" in " ".join(facets["Status"].split())
    assert "Nikita Khrushchev 3" in " ".join(facets["Person"].split())
    by_status = [a.get_text() for a in soup(client.get("/claims/?sort=status")).select(".claim-statement a")]
    assert Claim.objects.get(statement=by_status[0]).status == "contested"
    latest = [a.get_text() for a in soup(client.get("/claims/?sort=-date")).select(".claim-statement a")]
    assert latest[0] == "Khrushchev was ousted by the Presidium in October 1964."
    assert client.get("/claims/?sort=sideways").status_code == 400


def test_about_and_themes_pages(client, kb):
    about = soup(client.get("/about/")).get_text()
    for words in ("independent origins", "dated by its event", "EDTF", "Source A", "data package"):
        assert words in about, words
    themes = soup(client.get("/tags/"))
    assert {a.get_text() for a in themes.select(".tag-index a")} == {"ouster", "succession"}
    assert all("/tags/" in a["href"] for a in themes.select(".tag-index a"))


def test_search_ranks_matches_found_only_in_notes_last_and_says_so(client, kb):
    noted = Claim.objects.get(key="stalin-death-announced")
    noted.note = "Khrushchev is not named in this passage."
    services.claim_save(claim=noted)
    rows = soup(client.get("/search/?q=khrushchev")).select(".claim-row")
    flagged = [r for r in rows if "found only in the editors’ note" in r.get_text()]
    assert [r.find("a").get_text() for r in flagged] == [noted.statement]
    assert rows[-1] is flagged[0]


def test_chart_labels_never_overlap_in_either_layout():
    day = datetime.date
    tps = [
        chart.TurningIn(
            f"Turning point number {i} with a long title",
            chart.Span(day(1956, 1 + i % 12, 1), day(1956, 1 + i % 12, 1)),
            "/e/",
            "1956",
        )
        for i in range(12)
    ]
    for layout in (chart.wide(1953, 1971, [], tps, {}, {}), chart.tall(1953, 1971, [], tps, {}, {})):
        assert len(layout.turning) == 12
        boxes = []
        for tp in layout.turning:
            width = max(len(line) for line in tp.lines) * chart.CHAR
            left = tp.label_x - (width if tp.anchor == "end" else 0)
            boxes.append((left, tp.label_y - 11, left + width, tp.label_y - 11 + 12 * len(tp.lines)))
        for a, b in itertools.combinations(boxes, 2):
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_a_rough_end_fades_and_an_open_end_reaches_the_edge():
    day = datetime.date
    position = chart.PositionIn(
        "Lane", "An office", chart.Span(day(1953, 1, 1), day(1953, 12, 31)), chart.Span(None, None), "/c/", False
    )
    layout = chart.wide(1953, 1971, [position], [], {}, {})
    bar = layout.lanes[0].bars[0]
    kinds = [kind for kind, *_ in bar.pieces]
    assert kinds == ["fade-in", "solid", "fade-out"]
    assert bar.x + bar.width == pytest.approx(1000 - 14)
