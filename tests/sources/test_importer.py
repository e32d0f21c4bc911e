"""The fixtures importer: happy path, idempotency, update in place, and one test per bad input.

Every bad input must be refused with a message naming the problem, and leave the
database exactly as it was (compared row for row, history included).
"""

import shutil
import textwrap

import pytest
from django.core.management import CommandError, call_command

from events.models import Event
from people.models import Person
from sources.models import Citation, Claim, Conflict, Figure, Reference, Source
from tests.conftest import snapshot_db, write_fixture_folder

pytestmark = pytest.mark.django_db


def run(path, *args):
    from io import StringIO

    out = StringIO()
    call_command("import_fixtures", str(path), *args, stdout=out, stderr=out)
    return out.getvalue()


def test_happy_path_imports_everything(fixture_folder):
    output = run(fixture_folder)
    assert "claims      4 created, 0 updated, 0 unchanged" in output
    assert Person.objects.count() == 2
    assert Event.objects.get().people.get().slug == "nikita-khrushchev"
    assert Source.objects.count() == 2
    assert Reference.objects.get().url == "https://example.org/work"
    assert Figure.objects.get().caption == "Khrushchev in 1959"
    assert Person.objects.get(slug="nikita-khrushchev").alias_list == ["Khruschev", "Gruschev"]
    ousted = Claim.objects.get(key="ousted-1964")
    assert ousted.status == "corroborated"
    assert ousted.event.slug == "ouster-1964"
    assert sorted(ousted.tags.names()) == ["ouster"]
    assert Claim.objects.get(key="ousted-october-1964").status == "contested"
    assert Conflict.objects.count() == 2  # stored both ways
    for citation in Citation.objects.select_related("source"):
        assert citation.source.text[citation.start : citation.end] == citation.quote
    # The explicit start picked the second occurrence of an ambiguous quote.
    assert ousted.citations.get(source__slug="source-a").start == 145


def test_source_text_is_stored_byte_for_byte(fixture_folder):
    raw = "line one\r\nline two ’ with CRLF\r\n\ttab and trailing spaces   \n"
    path = fixture_folder / "seeds" / "a.txt"
    path.write_bytes(path.read_bytes() + raw.encode("utf-8"))
    run(fixture_folder)
    source = Source.objects.get(slug="source-a")
    assert source.text.encode("utf-8") == (fixture_folder / "seeds" / "a.txt").read_bytes()
    assert source.file_name == "a.txt"
    import hashlib

    assert source.sha256 == hashlib.sha256((fixture_folder / "seeds" / "a.txt").read_bytes()).hexdigest()


def test_second_run_changes_nothing_and_says_so(fixture_folder):
    run(fixture_folder)
    before = snapshot_db()
    output = run(fixture_folder)
    assert "Nothing changed" in output
    assert "claims      0 created, 0 updated, 4 unchanged" in output
    assert snapshot_db() == before


def test_edit_updates_in_place(fixture_folder):
    run(fixture_folder)
    claim = Claim.objects.get(key="first-secretary-1953")
    versions = claim.history.count()
    claims_file = fixture_folder / "claims" / "main.yaml"
    claims_file.write_text(
        claims_file.read_text(encoding="utf-8").replace(
            "Khrushchev became First Secretary in September 1953.\n  date",
            "Khrushchev was named First Secretary in September 1953.\n  date",
        ),
        encoding="utf-8",
    )
    output = run(fixture_folder)
    assert "claims      0 created, 1 updated, 3 unchanged" in output
    claim.refresh_from_db()
    assert claim.statement == "Khrushchev was named First Secretary in September 1953."
    assert claim.history.count() == versions + 1
    assert claim.history.first().statement == claim.statement


def test_dry_run_writes_nothing(fixture_folder):
    output = run(fixture_folder, "--dry-run")
    assert "Dry run" in output and "claims      4 created" in output
    assert not Claim.objects.exists() and not Source.objects.exists()


def test_copy_of_the_folder_elsewhere_imports_the_same(fixture_folder, tmp_path):
    run(fixture_folder)
    before = snapshot_db()
    copy = shutil.copytree(fixture_folder, tmp_path / "elsewhere" / "copy")
    assert "Nothing changed" in run(copy)
    assert snapshot_db() == before


def test_changed_source_text_reanchors_every_quote(fixture_folder):
    run(fixture_folder)
    (fixture_folder / "seeds" / "b.txt").write_text("Preface. " + (fixture_folder / "seeds" / "b.txt").read_text())
    output = run(fixture_folder)
    assert "sources     0 created, 1 updated" in output
    for citation in Citation.objects.select_related("source"):
        assert citation.source.text[citation.start : citation.end] == citation.quote


def test_citations_made_outside_the_fixtures_follow_a_changed_text(fixture_folder):
    run(fixture_folder)
    source = Source.objects.get(slug="source-b")
    own = Claim.objects.create(statement="Khrushchev died in 1971.")
    c = Citation(claim=own, source=source, quote="He died on September 11, 1971.")
    c.full_clean()
    c.save()
    (fixture_folder / "seeds" / "b.txt").write_text("Preface. " + source.text)
    run(fixture_folder)
    c.refresh_from_db()
    assert c.start == source.text.index("He died") + len("Preface. ")


# --------------------------------------------------------------------------- bad inputs


def refused(folder, *fragments):
    """Import must fail naming every fragment, and leave the database exactly as it was."""
    before = snapshot_db()
    with pytest.raises(CommandError) as exc:
        run(folder)
    assert "nothing was written" in str(exc.value)
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_fixtures", str(folder), stdout=StringIO(), stderr=err)
    message = err.getvalue()
    for fragment in fragments:
        assert fragment in message, message
    assert snapshot_db() == before
    return message


@pytest.fixture
def imported(fixture_folder):
    """Bad inputs are tested against a database that already holds the fixtures."""
    run(fixture_folder)
    return fixture_folder


def replace_in(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_quote_not_found_shows_closest_passage(imported):
    replace_in(imported / "claims" / "main.yaml", 'Stalin’s death"', 'Stalin’s demise"')
    refused(
        imported,
        "claims/main.yaml:8: citation 'stalin-death-announced citation 1'",
        "quote not found",
        "closest passage is 'On March 6, 1953, the Soviet Union announced Stalin’s death",
    )


def test_ambiguous_quote_is_refused(imported):
    replace_in(imported / "claims" / "main.yaml", "      start: 145\n", "")
    refused(imported, "citation 'ousted-1964 citation 1'", "occurs 2 times", "114, 145")


def test_unknown_person_slug(imported):
    replace_in(imported / "claims" / "main.yaml", "people: [joseph-stalin]", "people: [josef-stalin]")
    refused(imported, "claims/main.yaml:2: claim 'stalin-death-announced': unknown person slug 'josef-stalin'")


def test_unknown_event_slug(imported):
    replace_in(imported / "claims" / "main.yaml", "event: ouster-1964", "event: ouster")
    refused(imported, "claim 'ousted-1964': unknown event slug 'ouster'")


def test_unknown_source_slug(imported):
    replace_in(imported / "claims" / "main.yaml", "- source: source-b", "- source: source-c")
    refused(imported, "unknown source slug 'source-c'")


def test_invalid_edtf_date(imported):
    replace_in(imported / "claims" / "main.yaml", 'date: "1953-09"', 'date: "September 1953"')
    refused(imported, "claim 'first-secretary-1953': date:", "'September 1953' is not a valid EDTF date")


def test_invalid_edtf_in_people_and_events(imported):
    replace_in(imported / "people.yaml", 'born: "1894-04-15"', 'born: "1890s"')
    replace_in(imported / "events.yaml", 'date: "1964-10-12/1964-10-14"', 'date: "1964-10-12 to 14"')
    refused(imported, "people.yaml:2: person 'nikita-khrushchev': born:", "events.yaml:2: event 'ouster-1964': date:")


def test_duplicate_slug(imported):
    (imported / "people.yaml").write_text(
        (imported / "people.yaml").read_text() + "- slug: joseph-stalin\n  name: Stalin again\n", encoding="utf-8"
    )
    refused(imported, "person 'joseph-stalin': duplicate slug (first defined at fixtures/people.yaml:8)")


def test_duplicate_claim_statement(imported):
    replace_in(
        imported / "claims" / "main.yaml",
        "statement: Khrushchev was ousted in 1964.",
        "statement: Khrushchev became First Secretary in September 1953.",
    )
    refused(imported, "same statement as the claim at")


def test_missing_source_file(imported):
    (imported / "seeds" / "b.txt").unlink()
    refused(imported, "source 'source-b': source file 'seeds/b.txt' is missing")


def test_source_file_not_utf8(imported):
    (imported / "seeds" / "b.txt").write_bytes(
        "Khrushchev was ousted by the Presidium ".encode("latin-1") + b"\xe9\xff"
    )
    refused(imported, "source 'source-b': source file 'seeds/b.txt' is not UTF-8", "at offset")


def test_changed_source_text_that_breaks_a_quote(imported):
    (imported / "seeds" / "b.txt").write_text("In October 1964 the Presidium removed Khrushchev.\n", encoding="utf-8")
    refused(imported, "in source 'source-b': quote not found")


def test_invalid_yaml(imported):
    (imported / "events.yaml").write_text("- slug: x\n  title: [unclosed\n", encoding="utf-8")
    refused(imported, "events.yaml", "invalid YAML")


def test_unknown_field_is_a_typo_not_silently_ignored(imported):
    replace_in(imported / "claims" / "main.yaml", "tags: [succession]", "tag: [succession]")
    refused(imported, "unknown field(s) tag")


def test_conflict_without_note(imported):
    replace_in(
        imported / "claims" / "main.yaml", "note: A deliberately odd conflict, to exercise the model.", "note: ''"
    )
    refused(imported, "conflict 'ousted-october-1964 -> first-secretary-1953': missing note")


def test_conflict_with_unknown_claim(imported):
    replace_in(imported / "claims" / "main.yaml", "- claim: first-secretary-1953", "- claim: no-such-claim")
    refused(imported, "unknown claim key 'no-such-claim'")


def test_claim_without_citation(imported):
    write_fixture_folder(
        imported,
        claims="""
        - key: lonely
          statement: An uncited claim.
          citations: []
    """,
    )
    refused(imported, "claim 'lonely': missing citations")


def test_every_problem_is_reported_at_once(imported):
    replace_in(imported / "claims" / "main.yaml", "people: [joseph-stalin]", "people: [nobody]")
    replace_in(imported / "claims" / "main.yaml", 'date: "1953-09"', 'date: "soon"')
    message = refused(imported, "unknown person slug 'nobody'", "'soon' is not a valid EDTF date")
    assert "2 problem(s)" in message or message.count("\n") >= 2


def test_missing_folder():
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_fixtures", "/nonexistent/fixtures", stdout=StringIO(), stderr=err)
    assert "/nonexistent/fixtures: not a directory" in err.getvalue()


def test_missing_people_file(imported):
    (imported / "people.yaml").unlink()
    refused(imported, "people.yaml: missing")


def test_failure_half_way_through_writing_rolls_everything_back(imported, monkeypatch):
    """A crash during the write phase (not caught by validation) leaves the database as it was."""
    replace_in(
        imported / "claims" / "main.yaml",
        "Khrushchev was ousted in 1964.\n  date",
        "Khrushchev was removed in 1964.\n  date",
    )
    before = snapshot_db()
    calls = {"n": 0}
    original = Citation.save

    def failing_save(self, *args, **kwargs):
        calls["n"] += 1
        raise RuntimeError("disk full")

    monkeypatch.setattr(Conflict, "save", failing_save)
    monkeypatch.setattr(Citation, "save", original)
    (imported / "claims" / "extra.yaml").write_text(
        textwrap.dedent("""
        - key: new-conflicting
          statement: A new claim.
          citations:
            - source: source-a
              quote: "Stalin’s death"
          conflicts:
            - claim: stalin-death-announced
              note: test
    """),
        encoding="utf-8",
    )
    with pytest.raises(RuntimeError, match="disk full"):
        run(imported)
    assert calls["n"] == 1
    assert snapshot_db() == before


def test_claims_removed_from_the_fixtures_are_reported_and_pruned_on_request(imported):
    replace_in(imported / "claims" / "main.yaml", "- key: first-secretary-1953", "- key: first-secretary-sep-1953")
    replace_in(imported / "claims" / "main.yaml", "- claim: first-secretary-1953", "- claim: first-secretary-sep-1953")
    output = run(imported)
    assert "1 claim(s) with a fixture key are no longer in the fixtures" in output
    assert "first-secretary-1953" in output
    assert Claim.objects.filter(key="first-secretary-1953").exists()
    output = run(imported, "--prune")
    assert "claims      0 created, 0 updated, 4 unchanged, 1 deleted" in output, output
    assert not Claim.objects.filter(key="first-secretary-1953").exists()
    assert Claim.history.filter(key="first-secretary-1953", history_type="-").exists()


@pytest.mark.parametrize("date", ["196X-1X-XX", "Y1E99999999", "1950S2"])
def test_edtf_that_cannot_be_bounded_is_a_message_naming_file_and_line(imported, date):
    before = snapshot_db()
    replace_in(imported / "claims" / "main.yaml", 'date: "1953-09"', f'date: "{date}"')
    refused(imported, "main.yaml:", "claim 'first-secretary-1953': date:", "not a valid EDTF date")
    assert snapshot_db() == before


def test_an_import_that_only_shifts_a_flagged_citation_keeps_it_flagged(fixture_folder):
    """Found by review: the importer cleared the review flag of a citation it merely moved along its text."""
    from sources import services
    from tests.conftest import cite, make_claim

    run(fixture_folder)
    source = Source.objects.get(slug="source-b")
    own = make_claim(statement="Khrushchev died in 1971.")
    citation = cite(own, source, "He died on September 11, 1971.")
    source.text = source.text.replace("He died on September 11, 1971.", "He died on 11 September 1971.")
    services.source_save(source=source)
    citation.refresh_from_db()
    assert citation.needs_review and citation.quote == "He died on 11 September 1971."
    (fixture_folder / "seeds" / "b.txt").write_text("Preface. " + source.text, encoding="utf-8")
    output = run(fixture_folder)
    citation.refresh_from_db()
    assert citation.needs_review, output
    assert "Preface. " + source.text == Source.objects.get(slug="source-b").text


def test_a_source_renamed_in_the_admin_is_not_imported_again_as_a_copy(imported):
    """Found by review: after an editor renamed source-a, the next import made a second source from the same file."""
    Source.objects.filter(slug="source-a").update(slug="source-a-renamed")
    refused(imported, "the database already holds 'a.txt' as source 'source-a-renamed'")
    assert Source.objects.count() == 2
