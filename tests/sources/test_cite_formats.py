import json
from types import SimpleNamespace

from sources import cite_formats as citing

SOURCE = SimpleNamespace(
    slug="mondo-x",
    title="Khrushchev & the {putschists}",
    author="",
    publisher="Mondo History",
    kind="article",
    publication_date="2024-02-11",
    file_name="000_f.txt",
    sha256="a" * 64,
)
URL = "https://kb.example/sources/mondo-x/"


def test_plain_citation():
    text = citing.plain(SOURCE, URL, "2026-11-21")
    assert text.startswith("“Khrushchev & the {putschists}”. Mondo History. 11 February 2024. https://kb.example/")
    assert "accessed 2026-11-21" in text


def test_bibtex_escapes_special_characters():
    entry = citing.bibtex(SOURCE, URL, "2026-11-21")
    assert entry.startswith("@misc{mondo_x,")
    assert "title = {Khrushchev \\& the \\{putschists\\}}" in entry
    assert "year = {2024}" in entry and f"url = {{{URL}}}" in entry


def test_csl_json_is_valid_with_issued_date_parts():
    item = json.loads(citing.csl_json(SOURCE, URL, "2026-11-21"))[0]
    assert item["issued"] == {"date-parts": [[2024, 2, 11]]}
    assert item["container-title"] == "Mondo History"
    assert item["accessed"] == {"date-parts": [[2026, 11, 21]]}
