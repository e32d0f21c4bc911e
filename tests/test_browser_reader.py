"""The reader's site in real Chromium, on the real fixtures: the period chart at 1280 and 390 px, no page scrolling
sideways on a phone, passages that lead back to their own claim, year links that keep the year, forgiving search."""

import itertools
from io import StringIO

import pytest
from django.core.management import call_command

from sources.models import Citation, Claim, Source

from .test_browser import ARGS, CHROMIUM, playwright_api, pytestmark  # noqa: F401 - the same markers and skips


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, transactional_db):
    call_command("import_fixtures", stdout=StringIO())
    return live_server.url


def boxes(page, selector: str) -> list[dict]:
    """The rendered boxes of the visible elements matching ``selector``, with their text."""
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector)]
            .filter(el => el.getClientRects().length && getComputedStyle(el.closest('svg')).display !== 'none')
            .map(el => { const r = el.getBoundingClientRect();
                         return {text: el.textContent.trim(), x: r.x, y: r.y, w: r.width, h: r.height}; })""",
        selector,
    )


def overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_turning_points_are_labelled_and_no_label_overlaps_another(browser, site, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(site + "/")
    labels = boxes(page, ".period-chart .tp-label")
    rows = page.locator(".chart-table table").nth(1).locator("tbody tr").count()
    assert len(labels) == rows >= 10
    assert all(label["text"] for label in labels)
    clashes = [(a["text"], b["text"]) for a, b in itertools.combinations(labels, 2) if overlap(a, b)]
    assert clashes == [], clashes
    # Lane names are on the chart too, and "sources disagree" where they do.
    chart_text = page.locator(".chart-wide" if width > 700 else ".chart-tall").text_content()
    assert "Khrushchev: party leader" in chart_text and "sources disagree" in chart_text
    # Every mark of the chart takes the keyboard focus.
    links = page.locator(f"{'.chart-wide' if width > 700 else '.chart-tall'} a")
    for i in range(links.count()):
        links.nth(i).focus()
        assert links.nth(i).evaluate("el => document.activeElement === el")
    page.close()


def page_urls() -> list[str]:
    claim = Claim.objects.public().filter(status="contested").first()
    source = Source.objects.public().get(slug="dailyhistory-rise-and-fall")
    return [
        "/",
        "/?year=1964",
        "/claims/",
        "/claims/?sort=status",
        claim.get_absolute_url(),
        "/sources/",
        source.get_absolute_url(),
        "/people/",
        "/people/nikita-khrushchev/",
        "/events/",
        "/events/ouster-1964/",
        "/disputes/",
        "/tags/",
        "/search/?q=kruschev",
        "/about/",
    ]


def test_no_page_scrolls_sideways_on_a_phone(browser, site):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    wide = []
    urls = page_urls()
    tag = page.goto(site + "/tags/") and page.locator(".tag-index a").first.get_attribute("href")
    for url in [*urls, tag]:
        page.goto(site + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 391:
            wide.append((url, width))
    page.close()
    assert wide == []


def test_the_admin_claim_form_fits_1280_pixels(browser, site):
    from django.contrib.auth.models import User

    User.objects.create_superuser("reader-admin", "a@example.org", "a long password for the test")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(site + "/admin/login/")
    page.fill("#id_username", "reader-admin")
    page.fill("#id_password", "a long password for the test")
    page.click("input[type=submit]")
    claim = Claim.objects.filter(citations__isnull=False, conflicts__isnull=False).first()
    page.goto(site + f"/admin/sources/claim/{claim.pk}/change/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1281
    page.close()


def test_the_first_link_in_every_passage_returns_to_its_own_claim(browser, site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    expected = {
        f"cite-{pk}": f"/claims/{claim_id}/" for pk, claim_id in Citation.objects.public().values_list("pk", "claim_id")
    }
    checked = 0
    for source in Source.objects.public():
        page.goto(site + source.get_absolute_url())
        found = page.evaluate(
            "() => [...document.querySelectorAll('mark.passage[id^=cite-]')]"
            ".map(m => [m.id, m.querySelector('a').getAttribute('href')])"
        )
        for passage_id, href in found:
            assert href == expected[passage_id], (source.slug, passage_id, href)
            checked += 1
        # Targets of at least 24 x 24 pixels.
        sizes = page.evaluate(
            "() => [...document.querySelectorAll('a.backlink')].map(a => [a.offsetWidth, a.offsetHeight])"
        )
        assert all(w >= 24 and h >= 24 for w, h in sizes), sizes[:5]
    assert checked == len(expected)
    # And clicking it, in a passage that holds another, leads there.
    outer = next(
        c
        for c in Citation.objects.public().select_related("source")
        if Citation.objects.public()
        .filter(source=c.source, start__gte=c.start, end__lte=c.end)
        .exclude(pk=c.pk)
        .exists()
    )
    page.goto(site + outer.get_absolute_url())
    page.locator(f"#cite-{outer.pk} a.backlink").first.click()
    page.wait_for_url(f"**/claims/{outer.claim_id}/")
    page.close()


def test_a_years_list_and_csv_links_keep_the_year(browser, site):
    page = browser.new_page()
    page.goto(site + "/?year=1964")
    heading = page.locator(".lede").first.inner_text()
    listed = page.get_by_role("link", name="These claims as a list").get_attribute("href")
    csv = page.get_by_role("link", name="as CSV").get_attribute("href")
    assert "year=1964" in listed and "year=1964" in csv
    page.goto(site + listed)
    count = int(page.locator(".result-count").inner_text().split()[0])
    assert heading.startswith(f"{count} claim")
    response = page.request.get(site + csv)
    assert response.ok and response.text().count("\r\n") == count + 1  # the header and one line per claim
    page.close()


@pytest.mark.parametrize("query", ["kruschev", "khruschev", "Krushchev"])
def test_search_forgives_the_common_misspellings(browser, site, query):
    page = browser.new_page()
    page.goto(site + f"/search/?q={query}")
    assert page.locator("#h-people ~ ul a", has_text="Nikita Khrushchev").count() == 1
    assert page.locator(".results .claim-row").count() >= 20
    page.close()


@pytest.mark.parametrize("path", ["/", "/?year=1953", "/about/"])
def test_the_period_chart_and_about_have_no_serious_accessibility_violations(browser, site, path):
    from .test_browser import AXE

    if not AXE.exists():
        pytest.skip("axe-core not installed: run `npm install`")
    for width in (1280, 390):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(site + path)
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})")
        serious = [
            f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        page.close()
        assert serious == [], f"{path} at {width}px: {serious}"


def test_the_period_chart_is_valid_html(site, tmp_path):
    import subprocess
    import urllib.request

    from .test_html_validity import VNU

    if not VNU.exists():
        pytest.skip("vnu-jar not installed: run `npm install`")
    files = []
    for i, path in enumerate(["/", "/?year=1964", "/about/", "/tags/"]):
        target = tmp_path / f"page{i}.html"
        target.write_bytes(urllib.request.urlopen(site + path).read())  # noqa: S310 - the live test server
        files.append(str(target))
    result = subprocess.run(["java", "-jar", str(VNU), "--errors-only", *files], capture_output=True, text=True)  # noqa: S607
    assert result.returncode == 0, result.stderr + result.stdout
