"""Exports: golden headers and rows, CRLF, filters equal to the HTML list, injection, export_kb, data package."""

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from exports.tables import TABLES
from sources.models import Citation, Claim, Source
from tests.conftest import cite, make_claim, make_source

ORIGIN = "http://127.0.0.1:8000"  # KB_BASE_URL's default: every URL in an export is absolute

pytestmark = pytest.mark.django_db


def get_csv(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)


def rows(body: bytes):
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


# The contract other tools read, written out here (not taken from exports/tables.py, which must match it).
HEADERS = {
    "claims": "id,statement,date,date_start,date_end,status,people,event,tags,sources,source_files,citation_count,"
    "independent_sources,source_error,note,conflicts_with,url",
    "citations": "id,claim_id,source,source_file,quote,start,end,needs_review,url",
    "sources": "slug,title,short_title,publisher,author,kind,published,file_name,sha256,derived_from,claim_count,url",
    "people": "slug,name,aliases,born,died,claim_count,url",
    "events": "slug,title,date,date_start,date_end,people,claim_count,url",
    "conflicts": "claim_id,other_claim_id,note",
}


@pytest.mark.parametrize("table", list(HEADERS))
def test_header_is_the_contract_and_lines_end_in_crlf(client, kb, table):
    body = get_csv(client, f"/export/{table}.csv")
    assert body.split(b"\r\n")[0].decode() == HEADERS[table]
    assert list(TABLES) == list(HEADERS)
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")


def test_known_claim_row(client, kb):
    claim = Claim.objects.get(key="ousted-1964")
    table = rows(get_csv(client, "/export/claims.csv"))
    row = dict(zip(table[0], next(r for r in table if r[0] == str(claim.pk)), strict=True))
    assert row == {
        "id": str(claim.pk),
        "statement": "Khrushchev was ousted in 1964.",
        "date": "1964",
        "date_start": "1964-01-01",
        "date_end": "1964-12-31",
        "status": "corroborated",
        "people": "nikita-khrushchev",
        "event": "ouster-1964",
        "tags": "ouster",
        "sources": "source-a;source-b",
        "source_files": "a.txt;b.txt",
        "citation_count": "2",
        "independent_sources": "2",
        "source_error": "",
        "note": "",
        "conflicts_with": "",
        "url": f"{ORIGIN}/claims/{claim.pk}/",
    }
    assert [int(r[0]) for r in table[1:]] == sorted(int(r[0]) for r in table[1:])


def test_known_citation_row_and_people_row(client, kb):
    citation = Citation.objects.get(claim__key="stalin-death-announced")
    table = rows(get_csv(client, "/export/citations.csv"))
    row = next(r for r in table if r[0] == str(citation.pk))
    assert row == [
        str(citation.pk),
        str(citation.claim_id),
        "source-a",
        "a.txt",
        "On March 6, 1953, the Soviet Union announced Stalin’s death",
        "0",
        "59",
        "false",
        f"{ORIGIN}/sources/source-a/#cite-{citation.pk}",
    ]
    people = rows(get_csv(client, "/export/people.csv"))
    assert people[1] == ["joseph-stalin", "Joseph Stalin", "", "", "", "1", f"{ORIGIN}/people/joseph-stalin/"]
    assert people[2][:3] == ["nikita-khrushchev", "Nikita Khrushchev", "Khruschev;Gruschev"]
    events = rows(get_csv(client, "/export/events.csv"))
    assert events[1] == [
        "ouster-1964",
        "The removal of Khrushchev",
        "1964-10-12/1964-10-14",
        "1964-10-12",
        "1964-10-14",
        "nikita-khrushchev",
        "1",
        f"{ORIGIN}/events/ouster-1964/",
    ]
    sources = rows(get_csv(client, "/export/sources.csv"))
    assert sources[1][:4] == ["source-a", "Source A", "", "Example"]
    assert sources[1][8] == Source.objects.get(slug="source-a").sha256


@pytest.mark.parametrize(
    "query",
    ["person=nikita-khrushchev", "tag=ouster&person=nikita-khrushchev", "status=contested", "from=1960", "q=ousted"],
)
def test_filtered_exports_equal_the_html_list(client, kb, query):
    html = BeautifulSoup(client.get(f"/claims/?{query}").content, "html.parser")
    shown = {a["href"] for a in html.select(".claim-statement a")}
    exported = rows(get_csv(client, f"/export/claims.csv?{query}"))[1:]
    assert {r[-1].removeprefix(ORIGIN) for r in exported} == shown
    body = get_csv(client, f"/export/citations.csv?{query}")
    cited = rows(body)[1:]
    assert {int(r[1]) for r in cited} == {int(r[0]) for r in exported}
    assert len(cited) == Citation.objects.filter(claim__in=[int(r[0]) for r in exported]).count()
    # Built by the database (a filter's subquery made SQLite's parser overflow once): the same bytes as Python's.
    from django.http import QueryDict

    from exports import writers
    from exports.tables import TABLES
    from search.filters import ClaimFilters

    claims = ClaimFilters.from_params(QueryDict(query)).apply(Claim.objects.public())
    table = TABLES["citations"]
    assert body.decode() == "".join(writers.csv_lines(table, writers.table_rows(table, claims)))


@pytest.mark.parametrize("search", ["!!!", "-", ""])
def test_a_search_that_can_match_nothing_exports_the_header_alone(client, kb, search):
    for name in ("claims", "citations"):
        assert rows(get_csv(client, f"/export/{name}.csv?q={search}"))[:1] == [TABLES[name].names]
    assert len(rows(get_csv(client, "/export/claims.csv?q=!!!"))) == 1
    assert json.loads(b"".join(client.get("/export/claims.json?q=!!!").streaming_content)) == []


def test_bad_filter_on_an_export_is_a_clear_400(client, kb):
    response = client.get("/export/claims.csv?person=nobody")
    assert response.status_code == 400
    assert "There is no person with the slug “nobody”" in response.content.decode()


HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def test_formula_injection_is_neutralised(client, kb):
    source = Source.objects.get(slug="source-a")
    for i, statement in enumerate(HOSTILE):
        claim = make_claim(statement=statement, note="n")
        cite(claim, source, source.text[i : i + 3], start=i)
    table = rows(get_csv(client, "/export/claims.csv"))
    statements = {r[1] for r in table[1:]}
    for hostile in HOSTILE:
        assert "'" + hostile in statements
        assert hostile not in statements
    for r in table[1:]:
        for cell in r:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_claims_json_nests_citations(client, kb):
    response = client.get("/export/claims.json?person=joseph-stalin")
    data = json.loads(b"".join(response.streaming_content))
    assert len(data) == 1
    assert data[0]["citations"][0]["quote"] == "On March 6, 1953, the Soviet Union announced Stalin’s death"


def test_export_kb_writes_the_same_bytes_as_http_and_no_draft(client, kb, tmp_path):
    source = Source.objects.get(slug="source-a")
    draft = make_claim(statement="A zqdraft claim nobody may see.", published=False)
    cite(draft, source, source.text[3:20], start=3)
    call_command("export_kb", str(tmp_path / "release"), stdout=io.StringIO())
    written = sorted(p.name for p in (tmp_path / "release").iterdir())
    assert written == sorted(
        [f"{table}.csv" for table in TABLES] + ["claims.json", "annotations.jsonld", "datapackage.json"]
    )
    for name in written:
        response = client.get(f"/export/{name}", HTTP_HOST="localhost:6666")  # the Host never reaches a file
        body = b"".join(response.streaming_content)
        assert (tmp_path / "release" / name).read_bytes() == body, name
        assert b"zqdraft" not in body and b"localhost:6666" not in body, name


def test_exports_do_not_query_per_row(client, kb, django_assert_max_num_queries):
    source = Source.objects.get(slug="source-a")
    for i in range(40):
        claim = make_claim(statement=f"Claim {i}")
        claim.tags.add("ouster")
        cite(claim, source, source.text[i : i + 3], start=i)
    for table in TABLES:
        with django_assert_max_num_queries(8):
            get_csv(client, f"/export/{table}.csv")


def test_datapackage_validates_with_frictionless(client, kb, tmp_path):
    frictionless = shutil.which("frictionless") or str(Path(__import__("sys").executable).parent / "frictionless")
    if not Path(frictionless).exists():
        pytest.fail("frictionless is a dev dependency: pip install -e '.[dev]'")
    call_command("export_kb", str(tmp_path), stdout=io.StringIO())
    result = subprocess.run(
        [frictionless, "validate", str(tmp_path / "datapackage.json")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


AWKWARD_TEXT = (
    '=SUM(A1) opens this text. He said "no" twice.\n'
    "A tab\there, a backslash \\ and \\n literally, a CR\r\nand a new line inside one quote.\n"
    "-1 and +2 and @cmd, then \\\\ twice, \v vertical and \f feed, Хрущёв and 🌽.\n"
)


def test_citations_csv_is_the_same_text_from_either_writer(client, kb):
    """The database writes citations.csv's lines; they must equal, byte for byte, the rows written here."""
    from django.db import connection

    from exports import writers
    from exports.tables import TABLES

    source = make_source(title="Awkward", slug="awkward", text=AWKWARD_TEXT, file_name='a "b",c.txt')
    claim = make_claim(statement="Awkward passages.")
    for line in AWKWARD_TEXT.splitlines(keepends=True):
        quote = line.rstrip("\n")
        cite(claim, source, quote, start=AWKWARD_TEXT.index(quote))
    quote = AWKWARD_TEXT[AWKWARD_TEXT.index("a CR") : AWKWARD_TEXT.index(" inside")]  # spans the CRLF
    cite(claim, source, quote, start=AWKWARD_TEXT.index(quote))

    body = get_csv(client, "/export/citations.csv").decode("utf-8")
    table = TABLES["citations"]
    assert body == "".join(writers.csv_lines(table, writers.table_rows(table)))
    parsed = {r[4] for r in rows(body.encode("utf-8"))[1:]}
    assert '\'=SUM(A1) opens this text. He said "no" twice.' in parsed
    assert quote in parsed
    # The HTTP body above was built by the database (COPY on PostgreSQL, whole lines fetched on SQLite): check it.
    built = writers.table_lines("citations")
    assert built.__name__ == {"postgresql": "_copy_lines", "sqlite": "_fetched_lines"}[connection.vendor]
    assert "".join(built) == body


def test_conflicts_csv_lists_each_public_pair_once(client, kb):
    a = Claim.objects.get(key="ousted-october-1964")
    b = Claim.objects.get(key="first-secretary-1953")
    body = get_csv(client, "/export/conflicts.csv")
    assert body == (
        b"claim_id,other_claim_id,note\r\n"
        + f'{min(a.pk, b.pk)},{max(a.pk, b.pk)},"A deliberately odd conflict, to exercise the model."\r\n'.encode()
    )
    filtered = rows(get_csv(client, "/export/conflicts.csv?person=joseph-stalin"))
    assert filtered == [["claim_id", "other_claim_id", "note"]]


def test_annotations_are_w3c_web_annotations_whose_selectors_hold(client, kb):
    response = client.get("/export/annotations.jsonld")
    assert response["Content-Type"] == "application/ld+json"
    data = json.loads(b"".join(response.streaming_content))
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "AnnotationCollection" and data["id"] == f"{ORIGIN}/export/annotations.jsonld"
    items = data["first"]["items"]
    assert data["total"] == len(items) == Citation.objects.public().count() == 5
    texts = {s.get_absolute_url(): s.text for s in Source.objects.all()}
    for item in items:
        assert item["type"] == "Annotation"
        statement, claim = item["body"]
        assert claim["id"].startswith(f"{ORIGIN}/claims/") and statement["type"] == "TextualBody"
        text = texts[item["target"]["source"].removeprefix(ORIGIN)]
        quote, position = item["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
        assert text[position["start"] : position["end"]] == quote["exact"]
        assert text[: position["start"]].endswith(quote["prefix"]) and text[position["end"] :].startswith(
            quote["suffix"]
        )
        claim_obj = Claim.objects.get(pk=int(claim["id"].rstrip("/").rsplit("/", 1)[1]))
        assert statement["value"] == claim_obj.statement
