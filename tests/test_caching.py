"""Caches stay correct across processes: every change, made anywhere, is seen by the next request everywhere."""

import re
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client, override_settings

from caching.versioning import current_version
from people.models import Person
from sources.models import Claim

from .processes import in_another_process

ROOT = Path(__file__).resolve().parent.parent


def redis_answers() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.django_db
def test_every_kind_of_content_change_replaces_the_version(fixture_folder):
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    seen = {current_version()}

    def changed():
        version = current_version()
        assert version not in seen
        seen.add(version)

    claim = Claim.objects.get(key="ousted-1964")
    claim.statement = "Edited."
    claim.save()
    changed()
    claim.tags.add("new-tag")
    changed()
    claim.people.clear()
    changed()
    Person.objects.get(slug="joseph-stalin").delete()
    changed()
    claim.citations.first().delete()
    changed()
    call_command("generate_synthetic", "--claims", "50", stdout=StringIO())
    changed()
    call_command("generate_synthetic", "--remove", stdout=StringIO())
    changed()


CACHES = {
    "locmem": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cross-process"}},
    "redis": {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/14",
            "KEY_PREFIX": f"kbtest-{uuid.uuid4().hex}",
        }
    },
}


@pytest.mark.parametrize("backend", ["locmem", "redis"])
@pytest.mark.django_db(transaction=True)
def test_a_change_made_by_another_process_reaches_the_cached_pages(fixture_folder, backend):
    if backend == "redis" and not redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    with override_settings(CACHES=CACHES[backend]):
        caches["default"].clear()
        call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
        claim = Claim.objects.get(key="ousted-1964")
        client = Client()
        # Pages keyed on each kind of tag: the claim, the overview's years, a year, any claim, a person, a source.
        urls = (
            claim.get_absolute_url(),
            "/",
            "/claims/?year=1964",
            "/claims/?person=nikita-khrushchev",
            "/people/nikita-khrushchev/",
            "/sources/source-a/",
        )
        for url in urls:
            client.get(url)
            assert client.get(url)["X-KB-Cache"] == "hit"

        # Another process (a management command, another gunicorn worker) edits the claim.
        in_another_process(f"""
            from sources.models import Claim
            claim = Claim.objects.get(pk={claim.pk})
            claim.statement = "Changed by another process."
            claim.save()
        """)
        for url in urls:
            response = client.get(url)
            assert response["X-KB-Cache"] == "miss", url
            assert "Changed by another process." in response.content.decode(), url

        # A second web process shares the cache (Redis) or keeps its own: either way it serves the new page.
        shared = {}
        if backend == "redis":
            shared = {
                "REDIS_URL": CACHES["redis"]["default"]["LOCATION"],
                "KB_CACHE_PREFIX": CACHES["redis"]["default"]["KEY_PREFIX"],
            }
        out = in_another_process(
            f"""
            from django.test import Client
            response = Client(HTTP_HOST="localhost").get("/claims/{claim.pk}/")
            print(response["X-KB-Cache"], response.content.decode())
            """,
            **shared,
        )
        assert "Changed by another process." in out
        assert out.startswith("hit" if backend == "redis" else "miss")
        caches["default"].clear()


def test_the_test_database_is_a_file_other_processes_can_open():
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        assert not settings.DATABASES["default"]["TEST"]["NAME"].startswith(":memory:")


@pytest.mark.django_db
def test_an_import_replaces_the_version_once_and_a_no_op_import_not_at_all(fixture_folder):
    from caching import versioning

    bumps = []
    original = versioning._replace
    versioning._replace = lambda tags, using: bumps.append(using) or original(tags, using)
    try:
        before = current_version()
        call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    finally:
        versioning._replace = original
    after = current_version()
    assert after != before
    assert bumps == ["default"]  # thousands of rows written, the versions replaced once
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())  # nothing changes
    assert current_version() == after


@pytest.mark.django_db
def test_cached_pages_carry_only_the_canonical_origin(fixture_folder, settings):
    """Issue 13/14: a page first rendered for Host 127.0.0.1:6666 was served to everyone with that origin."""
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    settings.KB_BASE_URL = "https://kb.example.org"
    claim = Claim.objects.get(key="ousted-1964")
    person = claim.people.first()
    source = claim.citations.first().source
    for url in (claim.get_absolute_url(), person.get_absolute_url(), source.get_absolute_url()):
        first = Client(HTTP_HOST="localhost:6666").get(url)
        assert first["X-KB-Cache"] == "miss"
        later = Client().get(url)
        assert later["X-KB-Cache"] == "hit"
        for body in (first.content.decode(), later.content.decode()):
            assert "localhost:6666" not in body and "testserver" not in body, url
            assert "https://kb.example.org" + url in body, url


@pytest.mark.django_db
def test_a_disallowed_host_is_refused_before_the_page_cache_answers(fixture_folder):
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    client = Client()
    client.get("/claims/")
    assert client.get("/claims/")["X-KB-Cache"] == "hit"
    response = Client(HTTP_HOST="evil.example").get("/claims/")
    assert response.status_code == 400
    assert "X-KB-Cache" not in response


@pytest.mark.django_db
def test_searches_are_never_served_from_the_page_cache(fixture_folder):
    """Issue 14 (info): "X-KB-Cache: hit" on /search/?q=… told a visitor which searches others had run."""
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    for url in ("/search/?q=ousted", "/claims/?q=ousted"):
        Client().get(url)
        response = Client().get(url)
        assert response.status_code == 200 and "X-KB-Cache" not in response, url


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["/claims/?sort=zz", "/?year=zz", "/claims/?year=zz", "/?person=nobody"])
def test_a_refused_request_never_caches_its_empty_figures_for_the_valid_page(fixture_folder, bad):
    """Found by review: ?sort=zz cached "0 claims" under the key of /claims/, for every visitor."""
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    good = bad.split("?")[0]
    for _ in range(3):
        assert Client().get(bad).status_code == 400
    page = Client().get(good).content.decode()
    assert ("4 claims from the sources" if good == "/" else '<p class="result-count">4 claims') in page


@pytest.mark.django_db
def test_made_up_parameters_are_answered_without_the_page_cache(fixture_folder):
    call_command("import_fixtures", str(fixture_folder), stdout=StringIO())
    for n in range(3):
        assert "X-KB-Cache" not in Client().get(f"/sources/?x={n}")
    Client().get("/sources/?page=1")
    assert Client().get("/sources/?page=1")["X-KB-Cache"] == "hit"


# --------------------------------------------------------------------------- invalidation as fine as the change


def warm(client, urls):
    for url in urls:
        client.get(url)
        assert client.get(url)["X-KB-Cache"] == "hit", url


@pytest.mark.django_db
def test_a_claims_edit_invalidates_what_shows_it_and_nothing_else(kb):
    from sources import services

    claim = Claim.objects.get(key="stalin-death-announced")  # 1953, Stalin, source A, theme "succession"
    other = Claim.objects.get(key="ousted-1964")
    shows_it = [
        claim.get_absolute_url(),
        "/people/joseph-stalin/",
        "/sources/source-a/",
        "/tags/succession/",
        "/claims/?year=1953",
        "/claims/",
        "/",
    ]
    does_not = [
        other.get_absolute_url(),
        "/people/nikita-khrushchev/",
        "/sources/source-b/",
        "/events/ouster-1964/",
        "/tags/ouster/",
        "/claims/?year=1964",
        "/people/",
        "/events/",
        "/sources/",
        "/about/",
        "/tags/",
        "/disputes/",
    ]
    client = Client()
    warm(client, shows_it + does_not)
    claim.note = "A typo fixed in the note."
    services.claim_save(claim=claim)
    assert {url: client.get(url)["X-KB-Cache"] for url in shows_it} == dict.fromkeys(shows_it, "miss")
    assert {url: client.get(url)["X-KB-Cache"] for url in does_not} == dict.fromkeys(does_not, "hit")


@pytest.mark.django_db
def test_the_timeline_rebuilds_only_the_years_a_write_touched(kb, monkeypatch):
    """Issue 18: a typo fixed in one claim's note must not empty the timeline's other years."""
    from khrushchev_kb import views
    from sources import services

    rendered = []
    original = views._render_years

    def spy(request, claims, filters, counts, years, undated):
        rendered.append((years, undated))
        return original(request, claims, filters, counts, years, undated)

    monkeypatch.setattr(views, "_render_years", spy)
    client = Client()
    client.get("/")
    assert rendered == [([1953, 1964], True)]  # a cold cache: every year, in one go
    claim = Claim.objects.get(key="stalin-death-announced")
    claim.note = "A typo fixed in the note."
    services.claim_save(claim=claim)
    response = client.get("/")
    assert response["X-KB-Cache"] == "miss" and "announced Stalin" in response.content.decode()
    assert rendered[1:] == [([1953], False)]
    claim.date = "1964-03-06"  # moved: both years
    services.claim_save(claim=claim)
    client.get("/")
    assert rendered[2:] == [([1953, 1964], False)]


@pytest.mark.django_db
def test_each_kind_of_write_reaches_the_pages_that_show_it(kb):
    """Not only claims: a person's name, a source's title, an event's date, a theme, a conflict, a citation."""
    from sources import services
    from sources.models import Citation, Conflict, Source

    client = Client()
    claim = Claim.objects.get(key="first-secretary-1953")

    def shows(url, text):
        response = client.get(url)
        assert text in response.content.decode(), (url, text, response["X-KB-Cache"])

    urls = [claim.get_absolute_url(), "/people/", "/sources/", "/claims/", "/", "/disputes/", "/tags/"]
    warm(client, urls)
    Person.objects.filter(slug="nikita-khrushchev").update(name="unused")  # a bulk write: no signal, not shown
    person = Person.objects.get(slug="nikita-khrushchev")
    person.name = "Nikita S. Khrushchev"
    person.save()
    for url in (claim.get_absolute_url(), "/people/", "/claims/"):
        shows(url, "Nikita S. Khrushchev")
    source = Source.objects.get(slug="source-a")
    source.title = "Source A, second edition"
    services.source_save(source=source)
    shows("/sources/", "Source A, second edition")
    shows(claim.get_absolute_url(), "Source A, second edition")
    partner = Claim.objects.get(key="ousted-october-1964")
    partner.statement = "Khrushchev was ousted by the Presidium in October 1964 (reworded)."
    services.claim_save(claim=partner)
    shows(claim.get_absolute_url(), "(reworded)")  # shown on its conflict partner's page
    shows("/disputes/", "(reworded)")
    services.conflicts_delete(conflicts=Conflict.objects.filter(from_claim=claim))
    assert "(reworded)" not in client.get(claim.get_absolute_url()).content.decode()
    claim.tags.add("party")
    shows("/tags/", "party")
    services.citations_delete(citations=Citation.objects.filter(claim=claim))
    assert client.get(claim.get_absolute_url()).status_code == 404  # no citation left: no longer public


@pytest.mark.django_db
def test_a_model_no_one_described_invalidates_everything(kb):
    from caching import versioning

    assert {Claim, Person} <= versioning.described
    before = current_version("claims")
    versioning._changed(type("Stray", (), {"_meta": type("M", (), {"app_label": "sources"})()}))
    assert current_version("claims") != before  # the ALL tag is in every stamp


# --------------------------------------------------------------------------- stale while revalidate


@pytest.mark.django_db
def test_visitors_get_the_previous_page_for_a_few_seconds_while_one_request_rebuilds_it(kb, settings, monkeypatch):
    from caching import pages
    from sources import services

    settings.KB_STALE_SECONDS = 10
    now = [1_000_000.0]
    monkeypatch.setattr(pages.time, "time", lambda: now[0])
    claim = Claim.objects.get(key="ousted-1964")
    url = claim.get_absolute_url()
    visitor = Client()
    warm(visitor, [url])
    claim.statement = "Khrushchev was ousted in 1964 (edited)."
    services.claim_save(claim=claim)

    now[0] += 3
    key = "kb:page:" + __import__("hashlib").sha1(url.encode(), usedforsecurity=False).hexdigest()
    caches["default"].add(key + ":rebuilding", 1, 5)  # another worker is rebuilding it right now
    stale = visitor.get(url)
    assert stale["X-KB-Cache"] == "stale" and "(edited)" not in stale.content.decode()

    editor = Client()
    editor.cookies[settings.SESSION_COOKIE_NAME] = "an-editor"  # anyone with a session sees the change at once
    assert "(edited)" in editor.get(url).content.decode()

    now[0] += 8  # 11 s after the page was built: too old to serve, whoever holds the lock
    fresh = visitor.get(url)
    assert fresh["X-KB-Cache"] == "miss" and "(edited)" in fresh.content.decode()
    assert visitor.get(url)["X-KB-Cache"] == "hit"


@pytest.mark.django_db
def test_a_stream_of_changes_rebuilds_a_page_at_most_every_refresh_interval(kb, settings, monkeypatch):
    from caching import pages
    from sources import services

    settings.KB_STALE_SECONDS, settings.KB_STALE_REFRESH_SECONDS = 10, 2
    now = [1_000_000.0]
    monkeypatch.setattr(pages.time, "time", lambda: now[0])
    claim = Claim.objects.get(key="ousted-1964")
    url = claim.get_absolute_url()
    visitor = Client()
    warm(visitor, [url])
    seen = []
    for n in range(1, 9):  # a change every half second for four seconds
        now[0] += 0.5
        claim.statement = f"Khrushchev was ousted in 1964 (revision {n})."
        services.claim_save(claim=claim)
        response = visitor.get(url)
        seen.append((response["X-KB-Cache"], re.search(r"\(revision (\d)\)", response.content.decode())))
    rebuilt = [n + 1 for n, (how, _) in enumerate(seen) if how == "miss"]
    assert rebuilt == [4, 8]  # 2 s and 4 s after the page was first built
    assert all(how == "stale" for n, (how, _) in enumerate(seen) if n + 1 not in rebuilt)


@pytest.mark.django_db
def test_an_old_page_is_never_served_stale_the_others_wait_for_its_rebuild(kb, settings, monkeypatch):
    from caching import pages
    from sources import services

    settings.KB_STALE_SECONDS = 10
    settings.KB_REBUILD_WAIT_SECONDS = 0.2
    now = [1_000_000.0]
    monkeypatch.setattr(pages.time, "time", lambda: now[0])
    claim = Claim.objects.get(key="ousted-1964")
    url = claim.get_absolute_url()
    visitor = Client()
    warm(visitor, [url])
    now[0] += 60  # the page was built a minute ago
    claim.statement = "Khrushchev was ousted in 1964 (edited)."
    services.claim_save(claim=claim)
    key = "kb:page:" + __import__("hashlib").sha1(url.encode(), usedforsecurity=False).hexdigest()
    caches["default"].add(key + ":rebuilding", 1, 5)  # another request is rebuilding: this one waits, then builds
    response = visitor.get(url)
    assert response["X-KB-Cache"] == "miss" and "(edited)" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("removal", ["unpublish the claim", "delete the claim", "unpublish a source"])
def test_unpublishing_and_deletion_skip_the_stale_window(kb, settings, removal):
    from sources import services
    from sources.models import Source

    settings.KB_STALE_SECONDS = 10
    claim = Claim.objects.get(key="stalin-death-announced")  # cites source A only
    url = claim.get_absolute_url()
    visitor = Client()
    warm(visitor, [url, "/sources/source-a/"])
    key = "kb:page:" + __import__("hashlib").sha1(url.encode(), usedforsecurity=False).hexdigest()
    caches["default"].add(key + ":rebuilding", 1, 5)  # even while another request holds the rebuild
    if removal == "unpublish the claim":
        services.claims_set_published(claims=Claim.objects.filter(pk=claim.pk), published=False)
    elif removal == "delete the claim":
        services.claim_delete(claim=claim)
    else:
        services.sources_set_published(sources=Source.objects.filter(slug="source-a"), published=False)
    assert visitor.get(url).status_code == 404
    if removal == "unpublish a source":
        assert visitor.get("/sources/source-a/").status_code == 404
