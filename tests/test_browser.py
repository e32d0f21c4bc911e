"""Browser tests in real headless Chromium (Debian's package), driven by Playwright.

Skipped with a clear reason when Chromium or Playwright is absent; `.ci/run`
installs Chromium so CI always runs them.
"""

import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-results"

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')"
)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (Path(CHROMIUM).exists() or shutil.which("chromium")), reason=f"no Chromium at {CHROMIUM}"),
]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the live server runs Django beside Playwright's loop


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def csp_violations(page) -> list[str]:
    """The Content-Security-Policy violations Chromium reports on this page from now on (filled as they happen)."""
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    return found


@pytest.fixture
def site(live_server, fixture_folder, transactional_db):
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    return live_server.url


def test_from_timeline_to_claim_to_highlighted_passage_and_back(browser, site):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site + "/")
    page.get_by_role("link", name="Khrushchev was ousted in 1964.").first.click()
    page.wait_for_url("**/claims/*/")
    assert page.locator("h1").inner_text() == "Khrushchev was ousted in 1964."
    claim_url = page.url
    page.locator("a", has_text="read in context").first.click()
    page.wait_for_url("**/sources/**#cite-*")
    fragment = page.url.split("#", 1)[1]
    passage = page.locator(f"#{fragment}")
    assert passage.is_visible()
    assert "Khrushchev was ousted" in passage.inner_text()
    # The targeted passage is styled by :target (no script needed).
    outline = passage.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"
    passage.locator("a.backlink").first.click()
    page.wait_for_url(claim_url)
    assert errors == []
    page.close()


@pytest.mark.parametrize(("name", "width", "height"), [("desktop", 1280, 900), ("phone", 390, 844)])
def test_timeline_screenshots(browser, site, name, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(site + "/")
    assert page.locator("svg.chart-wide" if width > 700 else "svg.chart-tall").is_visible()
    # Nothing wider than the screen on a phone: no horizontal scrolling.
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width + 1, scroll_width
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"timeline-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    page.close()


AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed: run `npm install`")
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?year=1964",
        "/about/",
        "/tags/",
        "/claims/",
        "/sources/source-a/",
        "/events/ouster-1964/",
        "/disputes/",
        "/people/nikita-khrushchev/",
        "/search/?q=kruschev",
    ],
)
def test_pages_have_no_serious_accessibility_violations(browser, site, path):
    """axe-core (WCAG 2 A/AA rules): no serious or critical violation, on desktop and phone widths."""
    for width in (1280, 390):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(site + path)
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})")
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        page.close()
        assert serious == [], f"{path} at {width}px: {serious}"


NEW_SOURCE_TEXT = (
    "Memoir of a Kremlin interpreter.\n\n"
    "In October 1962 Khrushchev wrote to Kennedy twice in two days. "
    "The second letter demanded the removal of the missiles in Turkey. "
    "Khrushchev later called the settlement a victory for reason.\n"
)


def test_an_editor_adds_a_source_and_publishes_a_claim_from_an_uncited_passage(browser, site):
    """The editor's path: log in, add a source, make a claim from an uncited passage, publish it, see it."""
    from django.contrib.auth.models import Group, User

    call_command("setup_roles", stdout=StringIO())
    user = User.objects.create_user("editor", password="a long editor password", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    statement = "Khrushchev wrote to Kennedy twice in two days in October 1962."

    page = browser.new_page()
    errors, blocked = [], csp_violations(page)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site + "/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a long editor password")
    page.locator("input[type=submit]").click()
    page.wait_for_url(site + "/admin/")

    page.goto(site + "/admin/sources/source/add/")
    page.locator("#id_title").press_sequentially("Memoir of a Kremlin interpreter")
    assert page.input_value("#id_slug") == "memoir-of-a-kremlin-interpreter"  # prepopulated as the editor types
    page.fill("#id_publisher", "Example Press")
    page.fill("#id_text", NEW_SOURCE_TEXT)
    page.locator("input[name=_continue]").click()
    page.wait_for_url("**/admin/sources/source/*/change/")
    assert "was added successfully" in page.content()

    page.get_by_role("link", name="New claim from this passage").nth(1).click()
    page.wait_for_url("**/admin/sources/claim/add/?*")
    assert page.input_value("#id_citations-0-quote") == "In October 1962 Khrushchev wrote to Kennedy twice in two days."
    page.fill("#id_statement", statement)
    page.fill("#id_date", "1962-10")
    page.uncheck("#id_published")  # kept as a draft first
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/sources/claim/")
    assert "was added successfully" in page.content()

    page.goto(site + "/")
    assert statement not in page.content()  # a draft is not public

    page.goto(site + "/admin/sources/claim/?published__exact=0")
    page.get_by_role("row").filter(has_text=statement).locator("input.action-select").check()
    page.select_option("select[name=action]", "publish")
    with page.expect_navigation():
        page.locator("button[name=index]").click()
    assert "Published 1 of 1" in page.locator(".messagelist").inner_text()

    page.goto(site + "/")
    link = page.get_by_role("link", name=statement)
    assert link.is_visible()
    link.click()
    page.wait_for_url("**/claims/*/")
    page.locator("a", has_text="read in context").first.click()
    page.wait_for_url("**/sources/memoir-of-a-kremlin-interpreter/#cite-*")
    fragment = page.url.split("#", 1)[1]
    assert (
        page.locator(f"#{fragment}").inner_text().lstrip("↩").startswith("In October 1962 Khrushchev wrote to Kennedy")
    )
    assert errors == []
    assert blocked == []  # the admin works under the site's strict Content-Security-Policy
    page.close()


def test_hostile_text_is_inert_in_chromium(browser, live_server, transactional_db):
    """The XSS corpus in every field (tests/hostile.py): no dialog, no script, no request leaves the site."""
    from urllib.parse import urlsplit

    from django.contrib.auth.models import User

    from .hostile import plant

    made = plant()
    User.objects.create_superuser("root", password="a long admin password")
    site = urlsplit(live_server.url).netloc
    context = browser.new_context()
    page = context.new_page()
    dialogs, outside, blocked = [], [], csp_violations(page)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda exc: dialogs.append(f"page error: {exc}"))
    page.on("request", lambda r: None if urlsplit(r.url).netloc == site else outside.append(r.url))

    paths = ["/", "/claims/", "/people/", "/events/", "/sources/", "/disputes/", "/search/?q=script+alert"]
    paths += [
        made[kind][i].get_absolute_url() for kind in ("claims", "sources", "people", "events") for i in (0, 10, 26)
    ]
    paths += [
        f"/search/?q={quote}"
        for quote in ("%3Cscript%3Ealert(1)%3C/script%3E", "%22%3E%3Cimg+src=x+onerror=alert(1)%3E")
    ]
    for path in paths:
        page.goto(live_server.url + path)
        page.mouse.move(200, 200)  # hover handlers, had any survived
        for link in page.locator("ol.references a").all():
            link.click(modifiers=["Alt"], no_wait_after=True)  # a javascript: link would run on click
    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "a long admin password")
    page.locator("input[type=submit]").click()
    page.wait_for_url(live_server.url + "/admin/")
    for claim in made["claims"][:3]:
        page.goto(f"{live_server.url}/admin/sources/claim/{claim.pk}/change/")
    page.goto(f"{live_server.url}/admin/sources/source/{made['sources'][26].pk}/change/")
    page.goto(live_server.url + "/admin/sources/claim/")
    assert page.evaluate("typeof window.__kb_xss") == "undefined"
    context.close()
    assert dialogs == []
    assert outside == []
    assert blocked == []  # nothing even tried to run: CSP is the second line, not the first
