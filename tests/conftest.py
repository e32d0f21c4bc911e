"""Shared test fixtures: small fixture folders built on the fly, and a database snapshot."""

import io
import shutil
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

REAL_FIXTURES = Path(settings.KB_FIXTURES_DIR)

TEXT_A = (
    "On March 6, 1953, the Soviet Union announced Stalin’s death.\n"
    "Khrushchev became First Secretary in September 1953. Khrushchev was ousted in 1964.\n"
    "Khrushchev was ousted in 1964.\n"
)
TEXT_B = "In October 1964 Khrushchev was ousted by the Presidium. He died on September 11, 1971.\n"


def write_fixture_folder(root: Path, *, claims: str | None = None, **files: str) -> Path:
    """A small, valid fixtures folder; any file may be replaced through keyword arguments."""
    (root / "seeds").mkdir(parents=True, exist_ok=True)
    (root / "claims").mkdir(exist_ok=True)
    (root / "seeds" / "a.txt").write_text(TEXT_A, encoding="utf-8")
    (root / "seeds" / "b.txt").write_text(TEXT_B, encoding="utf-8")
    defaults = {
        "sources.yaml": """
            - slug: source-a
              file: seeds/a.txt
              title: Source A
              publisher: Example
              kind: article
              publication_date: "2024-02-11"
              references:
                - title: A cited work
                  url: https://example.org/work
              figures:
                - file_name: Khrushchev.jpg
                  caption: Khrushchev in 1959
            - slug: source-b
              file: seeds/b.txt
              title: Source B
              kind: wiki-page
        """,
        "people.yaml": """
            - slug: nikita-khrushchev
              name: Nikita Khrushchev
              aliases: [Khruschev, Gruschev]
              born: "1894-04-15"
              died: "1971-09-11"
              tags: [ouster]
            - slug: joseph-stalin
              name: Joseph Stalin
        """,
        "events.yaml": """
            - slug: ouster-1964
              title: The removal of Khrushchev
              date: "1964-10-12/1964-10-14"
              place: Moscow
              people: [nikita-khrushchev]
              tags: [ouster]
        """,
    }
    defaults.update({name.replace("_yaml", ".yaml"): text for name, text in files.items()})
    for name, text in defaults.items():
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    (root / "claims" / "main.yaml").write_text(
        textwrap.dedent(
            claims
            if claims is not None
            else """
            - key: stalin-death-announced
              statement: The Soviet Union announced Stalin's death on 6 March 1953.
              date: "1953-03-06"
              people: [joseph-stalin]
              tags: [succession]
              citations:
                - source: source-a
                  quote: "On March 6, 1953, the Soviet Union announced Stalin’s death"
            - key: ousted-1964
              statement: Khrushchev was ousted in 1964.
              date: "1964"
              people: [nikita-khrushchev]
              event: ouster-1964
              tags: [ouster]
              citations:
                - source: source-a
                  quote: "Khrushchev was ousted in 1964."
                  start: 145
                - source: source-b
                  quote: "Khrushchev was ousted by the Presidium"
            - key: ousted-october-1964
              statement: Khrushchev was ousted by the Presidium in October 1964.
              date: "1964-10"
              people: [nikita-khrushchev]
              citations:
                - source: source-b
                  quote: "In October 1964 Khrushchev was ousted by the Presidium."
              conflicts:
                - claim: first-secretary-1953
                  note: A deliberately odd conflict, to exercise the model.
            - key: first-secretary-1953
              statement: Khrushchev became First Secretary in September 1953.
              date: "1953-09"
              people: [nikita-khrushchev]
              citations:
                - source: source-a
                  quote: "Khrushchev became First Secretary in September 1953."
            """
        ),
        encoding="utf-8",
    )
    return root


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: a rolled-back test database can repeat a content version."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fixture_folder(tmp_path):
    return write_fixture_folder(tmp_path / "fixtures")


@pytest.fixture
def kb(fixture_folder):
    """The small fixture folder imported: two sources, two people, one event, four claims, one conflict."""
    call_command("import_fixtures", str(fixture_folder), stdout=io.StringIO())


def snapshot_db() -> str:
    """Every row of every content and history table, serialised: equal strings mean identical data."""
    out = io.StringIO()
    from core.content import CONTENT_APPS

    call_command("dumpdata", *CONTENT_APPS, indent=1, stdout=out)
    return out.getvalue()


@pytest.fixture
def real_fixtures_copy(tmp_path):
    """A copy of the real fixtures folder, safe to damage."""
    return Path(shutil.copytree(REAL_FIXTURES, tmp_path / "fixtures"))


@pytest.fixture(scope="module")
def curated(django_db_setup, django_db_blocker):
    """The real fixtures imported once for a module of read-only tests; the database is emptied after."""
    with django_db_blocker.unblock():
        call_command("import_fixtures", stdout=io.StringIO())
        yield
        call_command("flush", "--no-input", verbosity=0)


# --------------------------------------------------------------------------- writing through the write layer
# Tests write evidence the way the site does (sources/services.py), so that what they set up holds every invariant.


def make_source(**fields):
    from sources import services
    from sources.models import Source

    fields.setdefault("slug", fields.get("title", "source").lower().replace(" ", "-")[:50])
    source = Source(**fields)
    services.source_save(source=source)
    return source


def make_claim(**fields):
    from sources import services
    from sources.models import Claim

    return services.claim_save(claim=Claim(**fields))


def cite(claim, source, quote, start=None):
    from sources import services
    from sources.models import Citation

    return services.citation_save(citation=Citation(claim=claim, source=source, quote=quote, start=start))


def conflict(a, b, note="They disagree."):
    from sources import services
    from sources.models import Conflict

    return services.conflict_save(conflict=Conflict(from_claim=a, to_claim=b, note=note))
