"""The importer against hostile or broken fixture files: every problem a message naming file and line, never a
traceback, never a half-written database, and no file outside the fixtures folder read."""

import os
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sources import importer
from tests.conftest import snapshot_db, write_fixture_folder

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = """\
- slug: a
  name: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  aliases: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  bio: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  tags: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  born: [*d,*d,*d,*d,*d,*d,*d,*d,*d]
"""


def import_errors(folder) -> str:
    """Run the import, which must be refused; returns everything it printed. The database must not change."""
    before = snapshot_db()
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_fixtures", str(folder), stdout=StringIO(), stderr=err)
    assert snapshot_db() == before
    return err.getvalue()


def test_a_yaml_alias_bomb_is_refused_at_its_line(fixture_folder):
    (fixture_folder / "people.yaml").write_text(BILLION_LAUGHS, encoding="utf-8")
    message = import_errors(fixture_folder)
    assert "people.yaml:3: invalid YAML: YAML aliases (*a) are not allowed" in message


def test_deep_nesting_is_refused_not_a_recursion_error(fixture_folder):
    (fixture_folder / "events.yaml").write_text("- slug: x\n  title: " + "[" * 20000 + "]" * 20000 + "\n")
    assert "events.yaml:2: invalid YAML: nested more than 20 levels deep" in import_errors(fixture_folder)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("9" * 5000, "is not a whole number of at most 18 digits"),  # int() of it is slow, past 4,300 digits an error
        ("!!int " + "1" * 19, "is not a whole number of at most 18 digits"),
        ("!!int " + ":".join(["59"] * 3000), "is not a whole number"),  # YAML 1.1 base 60: quadratic big-int work
    ],
)
def test_a_huge_or_base_60_number_is_refused_at_its_line(fixture_folder, number, message):
    """Found by review: a 5,000-digit offset escaped as a ValueError traceback, and base-60 numbers cost CPU."""
    (fixture_folder / "people.yaml").write_text(f"- slug: p\n  name: P\n  born: {number}\n", encoding="utf-8")
    assert "people.yaml:3: invalid YAML: " in import_errors(fixture_folder)
    assert message in import_errors(fixture_folder)


def test_base_60_hex_and_decimal_fractions_stay_text():
    """Only short decimal integers are numbers; the rest is text for the field's own check to judge."""
    loaded = yaml.load("a: 1:30\nb: 0x1F\nc: 1.5\nd: 1_964\ne: 1964-10-14\n", Loader=importer._LineLoader)  # noqa: S506
    assert {k: v for k, v in loaded.items() if k != importer.LINE} == {
        "a": "1:30",
        "b": "0x1F",
        "c": "1.5",
        "d": 1964,
        "e": "1964-10-14",
    }


@pytest.mark.parametrize(
    ("file", "record", "message"),
    [
        ("people.yaml", "- slug: [a, b]\n  name: A\n", "people.yaml:1: person ['a', 'b']: slug must be text, not list"),
        ("people.yaml", "- slug: {x: 1}\n  name: A\n", "people.yaml:1: person {"),
        ("events.yaml", "- slug: true\n  title: T\n", "events.yaml:1: event True: slug must be text, not bool"),
        ("people.yaml", "- {1: 2, slug: p, name: P}\n", "unknown field(s) 1"),
        ("people.yaml", "- slug: p\n  name: [P]\n", "people.yaml:1: person 'p': name must be text, not list"),
        ("people.yaml", "just text\n", "people.yaml:1: expected a list of records, found str"),
    ],
)
def test_a_value_of_the_wrong_kind_is_a_message_naming_file_and_line(fixture_folder, file, record, message):
    (fixture_folder / file).write_text(record, encoding="utf-8")
    assert message in import_errors(fixture_folder)


def test_a_yaml_file_linked_from_outside_the_folder_is_refused(fixture_folder, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("- slug: nikita-khrushchev\n  name: From outside\n", encoding="utf-8")
    (fixture_folder / "claims" / "extra.yaml").symlink_to(outside)
    assert "extra.yaml: outside the fixtures folder" in import_errors(fixture_folder)


def test_a_source_text_linked_from_outside_the_folder_is_refused(fixture_folder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("A secret.", encoding="utf-8")
    target = fixture_folder / "seeds" / "b.txt"
    target.unlink()
    target.symlink_to(secret)
    assert "is outside the fixtures folder" in import_errors(fixture_folder)


def test_size_limits_per_file_and_per_folder(fixture_folder, monkeypatch):
    monkeypatch.setattr(importer, "MAX_FILE_BYTES", 400)
    assert "a fixture file may hold at most 400" in import_errors(fixture_folder)
    monkeypatch.setattr(importer, "MAX_FILE_BYTES", 4 << 20)
    monkeypatch.setattr(importer, "MAX_FOLDER_BYTES", 1000)
    assert "a fixtures folder may hold at most 1,000" in import_errors(fixture_folder)


# --------------------------------------------------------------------------- the fuzzer's classes

yaml_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=30),
        st.sampled_from(["196X-1X-XX", "Y1E99999999", "оттепель", "../../etc/passwd", "", "²", "\x00"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = {
    "people.yaml": ["slug", "name", "aliases", "born", "died", "bio", "tags"],
    "events.yaml": ["slug", "title", "date", "place", "summary", "people", "tags", "turning_point"],
    "sources.yaml": [
        "slug",
        "file",
        "title",
        "publisher",
        "kind",
        "publication_date",
        "url",
        "tags",
        "references",
        "figures",
        "derived_from",
    ],
    "claims/main.yaml": ["key", "statement", "date", "people", "event", "tags", "note", "citations", "conflicts"],
}
FILES = list(FIELDS)


@settings(
    max_examples=int(os.environ.get("KB_FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_value_in_any_field_is_imported_or_refused_with_a_message(tmp_path_factory, data):
    folder = write_fixture_folder(tmp_path_factory.mktemp("fuzz") / "fixtures")
    file = data.draw(st.sampled_from(FILES))
    path = folder / file
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    index = data.draw(st.integers(0, len(records) - 1))
    field = data.draw(st.sampled_from(FIELDS[file]))
    records[index][field] = data.draw(yaml_values)
    path.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    try:
        report = importer.import_fixtures(folder, dry_run=True)
    except importer.FixtureError as exc:
        for error in exc.errors:
            assert error.split(":", 1)[0].endswith((".yaml", "fixtures/")) or "fixtures" in error, error
    else:
        assert report.dry_run


@settings(
    max_examples=int(os.environ.get("KB_FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    field=st.sampled_from(["name", "aliases", "bio", "tags", "born"]),
    anchor=st.from_regex(r"[a-z]{1,8}", fullmatch=True),
    copies=st.integers(1, 30),
)
def test_any_alias_anywhere_is_refused_with_its_line(tmp_path_factory, field, anchor, copies):
    folder = write_fixture_folder(tmp_path_factory.mktemp("alias") / "fixtures")
    aliases = ", ".join([f"*{anchor}"] * copies)
    (folder / "people.yaml").write_text(
        f"- slug: p\n  name: P\n  tags: &{anchor} [x, y]\n- slug: q\n  name: Q\n  {field}: [{aliases}]\n",
        encoding="utf-8",
    )
    with pytest.raises(importer.FixtureError) as refused:
        importer.load_fixtures(folder)
    assert f"people.yaml:6: invalid YAML: YAML aliases (*{anchor}) are not allowed" in refused.value.errors[0]
