"""Import the curated fixtures (YAML + verbatim source texts) into the database.

Two phases, so that a bad fixture never leaves a half-written database:

1. ``load_fixtures`` + ``validate`` read every file and check every record
   (schema, slugs, EDTF dates, source files and their encoding, every quote
   anchored in its source, conflicts) without writing anything, and collect
   *all* problems, each naming its file and line.
2. ``write`` applies the validated data in one transaction, keyed on natural
   keys (slugs, file names, claim keys), saving only what differs: a second run
   changes nothing, not even a history record.

See fixtures/README.md for the format.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from core import content
from events.models import Event
from people.models import Person

from . import anchoring, services
from .models import Citation, Claim, Conflict, Figure, Position, Reference, Source, editable_text_fields

LINE = "__line__"


class FixtureError(Exception):
    """The fixtures are invalid; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) in the fixtures:\n" + "\n".join(f"  - {e}" for e in errors))


# Limits on what a fixtures folder may hold (stated in fixtures/README.md): curators' files are far smaller, and a
# hostile or broken file must be refused with a message rather than exhaust memory or the stack.
MAX_FILE_BYTES = 4 * 1024 * 1024  # each YAML file and each source text
MAX_FOLDER_BYTES = 32 * 1024 * 1024  # all of them together
MAX_DEPTH = 20  # nesting of YAML collections; the format needs 4


class _Refused(yaml.YAMLError):
    """YAML that is well-formed but not accepted here (aliases, deep nesting)."""

    def __init__(self, problem: str, mark):
        self.problem, self.problem_mark = problem, mark
        super().__init__(problem)


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that remembers the line of every mapping, for error messages.

    It refuses aliases (``*name``), which curators never need and which let a few
    hundred bytes expand into gigabytes ("billion laughs"), and collections nested
    deeper than MAX_DEPTH, which would exhaust the parser's stack.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(f"YAML aliases (*{event.anchor}) are not allowed in fixtures", event.start_mark)
        if self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark)
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1
        return mapping


MAX_INT_DIGITS = 18  # offsets and counts; a longer number is a mistake or an attack (int() of it is quadratic)


def _construct_int(loader: _LineLoader, node):
    """Plain decimal integers only: YAML 1.1's base-60 (``1:30``), hex and octal forms are never meant here."""
    text = loader.construct_scalar(node).replace("_", "")
    if not re.fullmatch(rf"[-+]?[0-9]{{1,{MAX_INT_DIGITS}}}", text):
        raise _Refused(
            f"{anchoring.shorten(text, 40)!r} is not a whole number of at most {MAX_INT_DIGITS} digits", node.start_mark
        )
    return int(text)


# Dates must stay text: a YAML 1.1 loader would turn 1964-10-14 into a date and 1956 into an int; floats, base-60
# and hex numbers are never meant either, so only short decimal integers are read as numbers. (A copy of the
# resolvers: assigning into the inherited dict would change every SafeLoader in the process.)
_LineLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:float", "tag:yaml.org,2002:int")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "-+0123456789":
    _LineLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9][0-9_]*$"), [_first])
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


@dataclass
class Record:
    """One YAML mapping with where it came from."""

    data: dict[str, Any]
    file: str
    line: int

    def where(self, kind: str, ident: Any = None) -> str:
        label = f"{kind} {anchoring.shorten(repr(ident), 80)}" if ident is not None else kind
        return f"{self.file}:{self.line}: {label}"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def __str__(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return text + (f", {self.deleted} deleted" if self.deleted else "")


@dataclass
class ImportReport:
    counts: dict[str, Counts] = field(default_factory=lambda: collections.defaultdict(Counts))
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated or c.deleted for c in self.counts.values())

    def lines(self) -> list[str]:
        order = [
            "people",
            "events",
            "sources",
            "references",
            "figures",
            "claims",
            "citations",
            "conflicts",
            "positions",
        ]
        return [f"{name:<11} {self.counts[name]}" for name in order if name in self.counts] + self.notes


SCHEMAS: dict[str, tuple[set[str], set[str]]] = {
    # kind: (required keys, optional keys)
    "source": (
        {"slug", "file", "title"},
        {
            "short_title",
            "publisher",
            "author",
            "kind",
            "publication_date",
            "url",
            "notes",
            "tags",
            "references",
            "figures",
            "derived_from",
        },
    ),
    "reference": ({"title"}, {"url"}),
    "figure": ({"file_name"}, {"caption"}),
    "person": ({"slug", "name"}, {"aliases", "born", "died", "bio", "tags"}),
    "event": ({"slug", "title"}, {"date", "place", "summary", "people", "tags", "turning_point"}),
    # A claim's text fields (date, note, source_error, …) are read from the model: a new one needs no change here.
    "claim": (
        {"key", "statement", "citations"},
        {*editable_text_fields(Claim, exclude=("key", "statement")), "people", "event", "tags", "conflicts"},
    ),
    "citation": ({"source", "quote"}, {"start"}),
    "position": ({"key", "person", "lane", "title", "claims"}, {"start", "end", "disagreement"}),
    "conflict": ({"claim", "note"}, set()),
}


IDENTIFIERS = {
    "source": "slug",
    "person": "slug",
    "event": "slug",
    "claim": "key",
    "position": "key",
}  # natural keys: text


# --------------------------------------------------------------------------- loading


def inside_folder(path: Path, base: Path, errors: list[str], rel: str) -> bool:
    """The file (after following symlinks) lies in the fixtures folder and within the size limit."""
    if not path.resolve().is_relative_to(base):
        errors.append(f"{rel}: outside the fixtures folder (a symlink to {path.resolve()}); refused")
        return False
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        errors.append(f"{rel}: {size:,} bytes; a fixture file may hold at most {MAX_FILE_BYTES:,}")
        return False
    return True


def _read_yaml_list(path: Path, base: Path, errors: list[str]) -> list[Record]:
    rel = str(path.relative_to(base.parent)) if path.is_relative_to(base.parent) else str(path)
    if not inside_folder(path, base, errors, rel):
        return []
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        errors.append(f"{rel}: not valid UTF-8 ({exc.reason} at byte {exc.start})")
        return []
    try:
        data = yaml.load(raw, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        errors.append(f"{rel}{line}: invalid YAML: {getattr(exc, 'problem', None) or exc}")
        return []
    except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:  # a constructor's own error
        errors.append(f"{rel}: unreadable YAML: {anchoring.shorten(str(exc), 200)}")
        return []
    if data is None:
        return []
    if not isinstance(data, list):
        errors.append(f"{rel}:1: expected a list of records, found {type(data).__name__}")
        return []
    records = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            errors.append(f"{rel}: item {i + 1} is not a mapping")
            continue
        records.append(Record(item, rel, item.pop(LINE, 0)))
    return records


@dataclass
class FixtureSet:
    base: Path
    sources: list[Record]
    people: list[Record]
    events: list[Record]
    claims: list[Record]
    positions: list[Record] = field(default_factory=list)


def load_fixtures(path: Path | str) -> FixtureSet:
    """Read every YAML file of a fixtures folder; raises FixtureError on unreadable files."""
    base = Path(path).resolve()
    errors: list[str] = []
    if not base.is_dir():
        raise FixtureError([f"{path}: not a directory"])
    total = sum(p.stat().st_size for p in base.rglob("*") if p.is_file() and not p.is_symlink())
    if total > MAX_FOLDER_BYTES:
        limit = f"a fixtures folder may hold at most {MAX_FOLDER_BYTES:,}"
        raise FixtureError([f"{base.name}/: {total:,} bytes in all; {limit}"])
    loaded = {}
    for name in ("sources", "people", "events"):
        file = base / f"{name}.yaml"
        if not file.is_file():
            errors.append(f"{base.name}/{name}.yaml: missing")
            loaded[name] = []
        else:
            loaded[name] = _read_yaml_list(file, base, errors)
    claim_files = sorted((base / "claims").glob("*.yaml")) if (base / "claims").is_dir() else []
    if (base / "claims.yaml").is_file():
        claim_files.insert(0, base / "claims.yaml")
    if not claim_files:
        errors.append(f"{base.name}/claims/*.yaml: no claim files")
    claims = [r for f in claim_files for r in _read_yaml_list(f, base, errors)]
    positions_file = base / "positions.yaml"  # optional: the offices drawn on the timeline
    positions = _read_yaml_list(positions_file, base, errors) if positions_file.is_file() else []
    if errors:
        raise FixtureError(errors)
    return FixtureSet(base, loaded["sources"], loaded["people"], loaded["events"], claims, positions)


# --------------------------------------------------------------------------- validation


@dataclass
class ValidCitation:
    source_slug: str
    quote: str
    start: int
    end: int


@dataclass
class ValidClaim:
    record: Record
    fields: dict[str, Any]
    people: list[str]
    event: str | None
    tags: list[str]
    citations: list[ValidCitation]


@dataclass
class Validated:
    base: Path
    people: list[tuple[dict[str, Any], list[str]]]  # (fields, tags)
    events: list[tuple[dict[str, Any], list[str], list[str]]]  # (fields, people slugs, tags)
    # fields, tags, references, figures, the slug of the source it derives from (or None)
    sources: list[tuple[dict[str, Any], list[str], list[dict], list[dict], str | None]]
    claims: list[ValidClaim]
    conflicts: dict[frozenset[str], str]  # {claim key pair: note}
    # Citations made outside the fixtures on sources whose text changes: {citation id: how it follows}
    reanchored: dict[int, anchoring.Followed]
    positions: list[tuple[dict[str, Any], str, list[str]]] = field(default_factory=list)  # fields, person, claims


class _Validator:
    def __init__(self, fixtures: FixtureSet):
        self.fx = fixtures
        self.errors: list[str] = []

    def error(self, record: Record, kind: str, ident: Any, message: str) -> None:
        self.errors.append(f"{record.where(kind, ident)}: {message}")

    def check_keys(self, record: Record, kind: str, ident: Any, data: dict | None = None) -> bool:
        """The record has its required fields, no unknown ones, and a text identifier (it is not changed)."""
        data = record.data if data is None else data
        required, optional = SCHEMAS[kind]
        ok = True
        missing = sorted(k for k in required if data.get(k) in (None, "", []))
        if missing:
            self.error(record, kind, ident, f"missing {', '.join(missing)}")
            ok = False
        identifier = IDENTIFIERS.get(kind)
        value = data.get(identifier) if identifier else None
        if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int))):
            self.error(record, kind, ident, f"{identifier} must be text, not {type(value).__name__}")
            ok = False
        unknown = sorted(str(k) for k in set(data) - required - optional - {LINE})
        if unknown:
            self.error(
                record,
                kind,
                ident,
                f"unknown field(s) {', '.join(unknown)} (allowed: {', '.join(sorted(required | optional))})",
            )
            ok = False
        return ok

    def text(self, record: Record, kind: str, ident: Any, data: dict, key: str) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(record, kind, ident, f"{key} must be text, not {type(value).__name__}")
            return ""
        return str(value).strip() if key not in ("quote",) else str(value)

    def str_list(self, record: Record, kind: str, ident: Any, data: dict, key: str) -> list[str]:
        value = data.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            self.error(record, kind, ident, f"{key} must be a list of text")
            return []
        return [str(v).strip() for v in value if str(v).strip()]

    def mappings(self, record: Record, kind: str, ident: Any, key: str) -> list:
        """A list field (references, figures, conflicts): its items, or [] with an error if it is not a list."""
        value = record.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(record, kind, ident, f"{key} must be a list, not {type(value).__name__}")
            return []
        return value

    def unique(self, seen: dict[str, Record], record: Record, kind: str, ident: str) -> bool:
        ident = str(ident)  # YAML reads 1953 as a number; the natural key is its text
        if ident in seen:
            self.error(
                record,
                kind,
                ident,
                f"duplicate {'key' if kind == 'claim' else 'slug'} "
                f"(first defined at {seen[ident].file}:{seen[ident].line})",
            )
            return False
        seen[ident] = record
        return True

    def model_fields(self, record: Record, kind: str, ident: Any, model, values: dict) -> None:
        """Run the model's own field validation (lengths, slug format, EDTF, URLs)."""
        try:
            exclude = [f.name for f in model._meta.get_fields() if f.name not in values]
            model(**values).clean_fields(exclude=exclude)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.error(record, kind, ident, f"{name}: {message}")

    def run(self) -> Validated:
        people = self.validate_people()
        events = self.validate_events({p[0]["slug"] for p in people})
        sources, texts = self.validate_sources()
        claims, conflicts = self.validate_claims({p[0]["slug"] for p in people}, {e[0]["slug"] for e in events}, texts)
        reanchored = self.reanchor_foreign_citations(texts, {c.fields["key"] for c in claims})
        positions = self.validate_positions({p[0]["slug"] for p in people}, {c.fields["key"] for c in claims})
        if self.errors:
            raise FixtureError(self.errors)
        return Validated(self.fx.base, people, events, sources, claims, conflicts, reanchored, positions)

    def validate_positions(self, person_slugs: set[str], claim_keys: set[str]):
        seen: dict[str, Record] = {}
        out = []
        for order, r in enumerate(self.fx.positions):
            key = r.data.get("key")
            if not self.check_keys(r, "position", key) or not self.unique(seen, r, "position", key):
                continue
            key = str(key)
            fields = {
                "key": key,
                "position": order,
                **{name: self.text(r, "position", key, r.data, name) for name in ("lane", "title", "start", "end")},
                "disagreement": self.text(r, "position", key, r.data, "disagreement"),
            }
            self.model_fields(r, "position", key, Position, fields)
            person = self.text(r, "position", key, r.data, "person")
            if person not in person_slugs:
                self.error(r, "position", key, f"unknown person slug {person!r}")
            claims = self.str_list(r, "position", key, r.data, "claims")
            for claim in claims:
                if claim not in claim_keys:
                    self.error(r, "position", key, f"unknown claim key {claim!r}")
            out.append((fields, person, claims))
        return out

    def validate_people(self):
        seen: dict[str, Record] = {}
        out = []
        for r in self.fx.people:
            slug = r.data.get("slug")
            if not self.check_keys(r, "person", slug) or not self.unique(seen, r, "person", slug):
                continue
            fields = {
                "slug": str(slug),
                "name": self.text(r, "person", slug, r.data, "name"),
                "aliases": "\n".join(self.str_list(r, "person", slug, r.data, "aliases")),
                "born": self.text(r, "person", slug, r.data, "born"),
                "died": self.text(r, "person", slug, r.data, "died"),
                "bio": self.text(r, "person", slug, r.data, "bio"),
            }
            self.model_fields(r, "person", slug, Person, fields)
            out.append((fields, self.str_list(r, "person", slug, r.data, "tags")))
        return out

    def validate_events(self, person_slugs: set[str]):
        seen: dict[str, Record] = {}
        out = []
        for r in self.fx.events:
            slug = r.data.get("slug")
            if not self.check_keys(r, "event", slug) or not self.unique(seen, r, "event", slug):
                continue
            turning_point = r.data.get("turning_point", True)
            if not isinstance(turning_point, bool):
                self.error(r, "event", slug, "turning_point must be true or false")
            fields = {
                "slug": str(slug),
                "title": self.text(r, "event", slug, r.data, "title"),
                "date": self.text(r, "event", slug, r.data, "date"),
                "place": self.text(r, "event", slug, r.data, "place"),
                "summary": self.text(r, "event", slug, r.data, "summary"),
                "turning_point": bool(turning_point),
            }
            self.model_fields(r, "event", slug, Event, fields)
            people = self.str_list(r, "event", slug, r.data, "people")
            for p in people:
                if p not in person_slugs:
                    self.error(r, "event", slug, f"unknown person slug {p!r}")
            out.append((fields, people, self.str_list(r, "event", slug, r.data, "tags")))
        return out

    def validate_sources(self):
        seen: dict[str, Record] = {}
        seen_files: dict[str, Record] = {}
        out = []
        texts: dict[str, str] = {}
        for r in self.fx.sources:
            slug = r.data.get("slug")
            if not self.check_keys(r, "source", slug) or not self.unique(seen, r, "source", slug):
                continue
            rel = self.text(r, "source", slug, r.data, "file")
            path = (self.fx.base / rel).resolve()
            if not path.is_relative_to(self.fx.base):
                self.error(r, "source", slug, f"file {rel!r} is outside the fixtures folder")
                continue
            if not path.is_file():
                self.error(r, "source", slug, f"source file {rel!r} is missing")
                continue
            if path.stat().st_size > MAX_FILE_BYTES:
                self.error(r, "source", slug, f"source file {rel!r} is larger than {MAX_FILE_BYTES:,} bytes")
                continue
            if path.name in seen_files:
                self.error(
                    r,
                    "source",
                    slug,
                    f"file {path.name!r} is already the text of another source "
                    f"({seen_files[path.name].file}:{seen_files[path.name].line})",
                )
                continue
            seen_files[path.name] = r
            try:
                text = path.read_bytes().decode("utf-8")  # verbatim: no newline translation
            except UnicodeDecodeError as exc:
                self.error(
                    r,
                    "source",
                    slug,
                    f"source file {rel!r} is not UTF-8 "
                    f"({exc.reason}: byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
                )
                continue
            fields = {
                "slug": str(slug),
                "title": self.text(r, "source", slug, r.data, "title"),
                "short_title": self.text(r, "source", slug, r.data, "short_title"),
                "publisher": self.text(r, "source", slug, r.data, "publisher"),
                "author": self.text(r, "source", slug, r.data, "author"),
                "kind": self.text(r, "source", slug, r.data, "kind") or Source.Kind.ARTICLE,
                "publication_date": self.text(r, "source", slug, r.data, "publication_date"),
                "url": self.text(r, "source", slug, r.data, "url"),
                "notes": self.text(r, "source", slug, r.data, "notes"),
                "file_name": path.name,
                "text": text,
            }
            self.model_fields(r, "source", slug, Source, fields)
            references = self.children(r, slug, "references", "reference", Reference, ("title", "url"), unique=None)
            figures = self.children(r, slug, "figures", "figure", Figure, ("file_name", "caption"), unique="file_name")
            texts[str(slug)] = text
            derived_from = self.text(r, "source", slug, r.data, "derived_from") or None
            out.append((fields, self.str_list(r, "source", slug, r.data, "tags"), references, figures, derived_from))
        self.refuse_files_held_under_other_slugs(out, seen)
        parents = {fields["slug"]: parent for fields, *_, parent in out}
        for fields, *_, parent in out:
            record = seen[fields["slug"]]
            if parent is None:
                continue
            if parent not in parents:
                self.error(record, "source", fields["slug"], f"derived_from: unknown source slug {parent!r}")
                continue
            chain, current = [fields["slug"]], parent
            while current is not None and current not in chain:
                chain.append(current)
                current = parents.get(current)
            if current is not None:
                self.error(record, "source", fields["slug"], "derived_from: a cycle (" + " → ".join(chain) + ")")
        return out, texts

    def children(self, r: Record, slug, key: str, kind: str, model, names: tuple, unique: str | None) -> list:
        """A source's references or figures: each a mapping of ``names``, validated by ``model``'s fields,
        numbered by ``position``; ``unique`` names a field no two of them may share."""
        out, seen = [], set()
        for i, item in enumerate(self.mappings(r, "source", slug, key)):
            ident = f"{slug}#{i + 1}"
            if not isinstance(item, dict):
                self.error(r, "source", slug, f"{kind} {i + 1} must be a mapping with {' and '.join(names)}")
                continue
            sub = Record(item, r.file, item.get(LINE, r.line))
            if not self.check_keys(sub, kind, ident):
                continue
            values = {"position": i + 1, **{name: self.text(sub, kind, i + 1, item, name) for name in names}}
            if unique is not None:
                if values[unique] in seen:
                    self.error(sub, kind, values[unique], "listed twice for this source")
                    continue
                seen.add(values[unique])
            self.model_fields(sub, kind, ident, model, values)
            out.append(values)
        return out

    def validate_claims(self, person_slugs, event_slugs, texts):
        seen: dict[str, Record] = {}
        seen_statements: dict[str, Record] = {}
        out: list[ValidClaim] = []
        declared: list[tuple[Record, str, str, str]] = []
        for r in self.fx.claims:
            key = r.data.get("key")
            if not self.check_keys(r, "claim", key) or not self.unique(seen, r, "claim", key):
                continue
            key = str(key)
            statement = self.text(r, "claim", key, r.data, "statement")
            norm = " ".join(statement.lower().split())
            if norm in seen_statements:
                first = seen_statements[norm]
                self.error(
                    r,
                    "claim",
                    key,
                    f"same statement as the claim at {first.file}:{first.line}: "
                    "corroborating sources belong in one claim's citations",
                )
            seen_statements[norm] = r
            fields = {
                "key": key,
                "statement": statement,
                **{
                    name: self.text(r, "claim", key, r.data, name)
                    for name in editable_text_fields(Claim, exclude=("key", "statement"))
                },
            }
            self.model_fields(r, "claim", key, Claim, fields)
            people = self.str_list(r, "claim", key, r.data, "people")
            for p in people:
                if p not in person_slugs:
                    self.error(r, "claim", key, f"unknown person slug {p!r}")
            event = self.text(r, "claim", key, r.data, "event") or None
            if event and event not in event_slugs:
                self.error(r, "claim", key, f"unknown event slug {event!r}")
            citations = self.validate_citations(r, key, texts)
            for c in self.mappings(r, "claim", key, "conflicts"):
                if not isinstance(c, dict):
                    self.error(r, "claim", key, "each conflict must be a mapping with claim and note")
                    continue
                sub = Record(c, r.file, c.get(LINE, r.line))
                if self.check_keys(sub, "conflict", f"{key} -> {c.get('claim')}"):
                    declared.append((sub, key, str(c["claim"]), self.text(sub, "conflict", key, c, "note")))
            out.append(ValidClaim(r, fields, people, event, self.str_list(r, "claim", key, r.data, "tags"), citations))
        conflicts: dict[frozenset[str], str] = {}
        where: dict[frozenset[str], Record] = {}
        for sub, key, other, note in declared:
            ident = f"{key} -> {other}"
            if other not in seen:
                self.error(sub, "conflict", ident, f"unknown claim key {other!r}")
                continue
            if other == key:
                self.error(sub, "conflict", ident, "a claim cannot conflict with itself")
                continue
            pair = frozenset((key, other))
            if pair in conflicts and conflicts[pair] != note:
                first = where[pair]
                self.error(
                    sub,
                    "conflict",
                    ident,
                    f"declared again with a different note (first at "
                    f"{first.file}:{first.line}); declare it once, or with the same note",
                )
                continue
            conflicts[pair] = note
            where.setdefault(pair, sub)
        return out, conflicts

    def validate_citations(self, r: Record, key: str, texts: dict[str, str]) -> list[ValidCitation]:
        raw = r.data.get("citations")
        if not isinstance(raw, list):
            self.error(r, "claim", key, "citations must be a list")
            return []
        out = []
        seen_spans = set()
        for i, c in enumerate(raw):
            if not isinstance(c, dict):
                self.error(r, "claim", key, f"citation {i + 1} must be a mapping with source and quote")
                continue
            sub = Record(c, r.file, c.get(LINE, r.line))
            ident = f"{key} citation {i + 1}"
            if not self.check_keys(sub, "citation", ident):
                continue
            slug = str(c["source"])
            quote = c["quote"]
            if not isinstance(quote, str):
                self.error(sub, "citation", ident, "quote must be text")
                continue
            start = c.get("start")
            if start is not None and (isinstance(start, bool) or not isinstance(start, int) or start < 0):
                self.error(sub, "citation", ident, f"start must be a non-negative integer, not {start!r}")
                continue
            if slug not in texts:
                self.error(sub, "citation", ident, f"unknown source slug {slug!r}")
                continue
            try:
                found = anchoring.anchor(texts[slug], quote, start)
            except anchoring.AnchorError as exc:
                self.error(sub, "citation", ident, f"in source {slug!r}: {exc}")
                continue
            if (slug, found.start, found.end) in seen_spans:
                self.error(sub, "citation", ident, f"cites the same passage of {slug!r} twice")
                continue
            seen_spans.add((slug, found.start, found.end))
            out.append(ValidCitation(slug, quote, found.start, found.end))
        return out

    def refuse_files_held_under_other_slugs(self, sources: list, records: dict[str, Record]):
        """A source renamed in the admin keeps its file name: importing the file again under the old slug would
        make a second copy of it, with the editors' citations on the first. Refused, naming the slug to use."""
        by_file = {fields["file_name"]: fields["slug"] for fields, *_ in sources}
        held = Source.objects.filter(file_name__in=list(by_file)).exclude(slug__in=list(by_file.values()))
        for file_name, slug in held.values_list("file_name", "slug"):
            self.error(
                records[by_file[file_name]],
                "source",
                by_file[file_name],
                f"the database already holds {file_name!r} as source {slug!r} (renamed or added in the admin); "
                f"give the fixture that slug, or rename one of them, so the import does not make a second copy",
            )

    def reanchor_foreign_citations(self, texts: dict[str, str], fixture_keys: set[str]):
        """Citations made outside the fixtures follow a source text that the import changes (never silently
        to other words: see ``anchoring.follow``), or the import is refused."""
        moved: dict[int, anchoring.Followed] = {}
        changed = {s.slug: s for s in Source.objects.filter(slug__in=list(texts)) if s.text != texts[s.slug]}
        if not changed:
            return moved
        foreign = (
            Citation.objects.filter(source__slug__in=list(changed))
            .exclude(claim__key__in=list(fixture_keys))
            .select_related("source", "claim")
        )
        for citation in foreign:
            source = changed[citation.source.slug]
            context = (citation.prefix, citation.suffix) if citation.text_sha256 == source.sha256 else (None, None)
            followed = anchoring.follow(source.text, texts[source.slug], citation.quote, citation.start, *context)
            if followed.outcome == anchoring.REFUSED:
                closest = (
                    f"; the closest passage is {anchoring.shorten(followed.closest)!r}" if followed.closest else ""
                )
                self.errors.append(
                    f"source {source.slug!r}: the new text breaks citation {citation.pk} of claim "
                    f"{citation.claim_id} (made outside the fixtures): {followed.reason}: "
                    f"{anchoring.shorten(citation.quote)!r}{closest}"
                )
                continue
            moved[citation.pk] = followed
        return moved


def validate(fixtures: FixtureSet) -> Validated:
    return _Validator(fixtures).run()


# --------------------------------------------------------------------------- writing


def _apply(obj, values: dict[str, Any]) -> bool:
    """Set attributes that differ; returns whether anything did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _sync_tags(obj, names: list[str]) -> bool:
    current = {t.lower() for t in obj.tags.names()}
    if current == {n.lower() for n in names}:
        return False
    obj.tags.set(names, clear=True)
    return True


def _upsert(model, existing: dict, key: str, values: dict, counts: Counts, save=None):
    """Create or update the row keyed ``values[key]``; returns (object, whether it was saved)."""
    save = save or (lambda obj: obj.save())
    obj = existing.get(values[key])
    if obj is None:
        obj = model(**values)
        obj.full_clean(validate_unique=False, validate_constraints=False)
        save(obj)
        counts.created += 1
        return obj, True
    if _apply(obj, values):
        obj.full_clean(validate_unique=False, validate_constraints=False)
        save(obj)
        counts.updated += 1
        return obj, True
    return obj, False


def _count(counts: Counts, saved: bool, changed: bool) -> None:
    """Count an object whose own row ``saved`` says whether it was written, and ``changed`` its relations."""
    if not saved:
        if changed:
            counts.updated += 1
        else:
            counts.unchanged += 1


def write(data: Validated, *, progress: Callable[..., None] | None = None, prune: bool = False) -> ImportReport:
    """Apply validated fixtures, through the write layer, as one batch (derived values refreshed once).

    ``progress(message, step=False)`` hears a summary after each phase, and
    ``step=True`` messages while a long list of claims is written.
    """
    report = ImportReport()
    say = progress or (lambda message, step=False: None)
    with services.changing() as touched:
        people = _write_people(data, report)
        say(f"people: {report.counts['people']}")
        events = _write_events(data, report, people, touched)
        say(f"events: {report.counts['events']}")
        sources = _write_sources(data, report, touched)
        say(f"sources: {report.counts['sources']}")
        _follow_changed_texts(data, report)
        claims = _write_claims(data, report, people, events, sources, say)
        say(f"claims: {report.counts['claims']}")
        _sync_conflicts(data.conflicts, claims, report.counts["conflicts"])
        say(f"conflicts: {report.counts['conflicts']}")
        _write_positions(data, report, people, claims)
        _stale_claims(claims, report, prune)
    return report


def _write_people(data: Validated, report: ImportReport) -> dict[str, Person]:
    counts = report.counts["people"]
    existing = {p.slug: p for p in Person.objects.prefetch_related("tags")}
    people: dict[str, Person] = {}
    for fields, tags in data.people:
        obj, saved = _upsert(Person, existing, "slug", fields, counts)
        _count(counts, saved, _sync_tags(obj, tags))
        people[obj.slug] = obj
    return people


def _write_events(data, report: ImportReport, people: dict[str, Person], touched) -> dict[str, Event]:
    counts = report.counts["events"]
    existing = {e.slug: e for e in Event.objects.prefetch_related("tags", "people")}
    events: dict[str, Event] = {}
    for fields, person_slugs, tags in data.events:
        obj, saved = _upsert(Event, existing, "slug", fields, counts)
        if saved:  # its date may have changed: the claims it dates follow (sources/evidence.py, placement)
            touched.claims.update(obj.claims.values_list("pk", flat=True))
        changed = _sync_tags(obj, tags)
        wanted = {people[s].pk for s in person_slugs}
        if {p.pk for p in obj.people.all()} != wanted:
            obj.people.set(wanted)
            changed = True
        _count(counts, saved, changed)
        events[obj.slug] = obj
    return events


def _write_sources(data: Validated, report: ImportReport, touched: services.Touched) -> dict[str, Source]:
    """Sources with their references and figures; then each one's ``derived_from`` (it may name a later one).

    The texts are written as they are: the citations that follow them are
    written next, by ``_follow_changed_texts`` (made in the admin) and
    ``_sync_citations`` (the fixtures' own).
    """
    counts = report.counts["sources"]
    existing = {s.slug: s for s in Source.objects.prefetch_related("tags", "references", "figures")}
    sources: dict[str, Source] = {}
    written: dict[str, list[bool]] = {}  # slug: [its row saved, its relations changed]
    for fields, tags, references, figures, _parent in data.sources:
        obj, saved = _upsert(Source, existing, "slug", fields, counts)
        if saved:
            touched.sources.add(obj.pk)  # its counts and coverage are derived from its text and citations
        written[obj.slug] = [saved, _sync_tags(obj, tags)]
        sources[obj.slug] = obj
        _sync_children(obj.references.all(), Reference, obj, "position", references, report.counts["references"])
        _sync_children(obj.figures.all(), Figure, obj, "file_name", figures, report.counts["figures"])
    for fields, *_, parent in data.sources:
        obj = sources[fields["slug"]]
        parent_id = sources[parent].pk if parent else None
        if obj.derived_from_id != parent_id:
            obj.derived_from_id = parent_id
            obj.save(update_fields=["derived_from", "updated_at"])
            written[obj.slug][1] = True
            touched.origins = True
    for saved, changed in written.values():
        _count(counts, saved, changed)
    if any(source.origin_id is None for source in sources.values()):
        touched.origins = True
    return sources


def _follow_changed_texts(data: Validated, report: ImportReport) -> None:
    """Citations made outside the fixtures follow their source's new text (checked by the validator)."""
    for citation in Citation.objects.filter(pk__in=list(data.reanchored)).select_related("source", "claim"):
        followed = data.reanchored[citation.pk]
        citation.start, citation.end, citation.quote = followed.start, followed.end, followed.quote
        review = followed.outcome == anchoring.REVIEW
        services.citation_save(citation=citation, reviewed=False if review else None)
        if review:
            report.notes.append(
                f"citation {citation.pk} of claim {citation.claim_id} (made in the admin) needs review: "
                f"{followed.reason}"
            )
        else:
            report.notes.append(f"re-anchored citation {citation.pk} of claim {citation.claim_id} (made in the admin)")


def _write_claims(data, report, people, events, sources, say) -> dict[str, Claim]:
    counts = report.counts["claims"]
    cite_counts = report.counts["citations"]
    existing = {
        c.key: c for c in Claim.objects.filter(key__isnull=False).prefetch_related("tags", "people", "citations")
    }
    claims: dict[str, Claim] = {}
    total = len(data.claims)
    for n, vc in enumerate(data.claims, start=1):
        values = dict(vc.fields, event=events[vc.event] if vc.event else None)
        obj, saved = _upsert(
            Claim, existing, "key", values, counts, save=lambda claim: services.claim_save(claim=claim)
        )
        changed = _sync_tags(obj, vc.tags)
        wanted = {people[s].pk for s in vc.people}
        if {p.pk for p in obj.people.all()} != wanted:
            obj.people.set(wanted)
            changed = True
        changed |= _sync_citations(obj, vc.citations, sources, cite_counts)
        _count(counts, saved, changed)
        claims[obj.key] = obj
        if total >= 200 and n % 100 == 0:
            say(f"claims: {n}/{total}", step=True)
    return claims


def _write_positions(data: Validated, report: ImportReport, people: dict, claims: dict) -> None:
    """The positions are exactly the fixtures' (positions.yaml): the timeline's lanes have no other editor."""
    counts = report.counts["positions"]
    existing = {p.key: p for p in Position.objects.prefetch_related("claims")}
    for fields, person, claim_keys in data.positions:
        values = dict(fields, person=people[person])
        obj, saved = _upsert(Position, existing, "key", values, counts)
        wanted = {claims[k].pk for k in claim_keys}
        changed = {c.pk for c in obj.claims.all()} != wanted
        if changed:
            obj.claims.set(wanted)
        _count(counts, saved, changed)
        existing.pop(obj.key, None)
    for obj in existing.values():
        obj.delete()
        counts.deleted += 1


def _stale_claims(claims: dict[str, Claim], report: ImportReport, prune: bool) -> None:
    """Claims with a fixture key that the fixtures no longer hold: reported, or deleted with ``--prune``."""
    stale = Claim.objects.filter(key__isnull=False).exclude(key__in=list(claims)).order_by("key")
    if prune:
        report.counts["claims"].deleted += services.claims_delete(claims=list(stale))  # history keeps them
    elif stale.exists():
        keys = list(stale.values_list("key", flat=True)[:10])
        report.notes.append(
            f"{stale.count()} claim(s) with a fixture key are no longer in the fixtures and were left as they are "
            f"(run with --prune to delete them): {', '.join(keys)}"
        )


def _sync_children(current_qs, model, parent: Source, key: str, wanted: list[dict], counts: Counts) -> None:
    current = {getattr(c, key): c for c in current_qs}
    for values in wanted:
        obj = current.pop(values[key], None)
        if obj is None:
            obj = model(source=parent, **values)
            obj.full_clean(validate_unique=False)
            obj.save()
            counts.created += 1
        elif _apply(obj, values):
            obj.full_clean(validate_unique=False)
            obj.save()
            counts.updated += 1
        else:
            counts.unchanged += 1
    for obj in current.values():
        obj.delete()
        counts.deleted += 1


def _sync_citations(claim: Claim, wanted: list[ValidCitation], sources: dict[str, Source], counts: Counts) -> bool:
    """Make a fixture claim's citations exactly the fixture's; returns whether anything changed.

    A citation whose source text changed around it keeps its row, with its
    recorded context brought up to date.
    """
    current = {(c.source_id, c.start, c.end): c for c in claim.citations.all()}
    changed = False
    for vc in wanted:
        source = sources[vc.source_slug]
        obj = current.pop((source.pk, vc.start, vc.end), None)
        if obj is None:
            obj = Citation(claim=claim, source=source, quote=vc.quote, start=vc.start, end=vc.end)
            services.citation_save(citation=obj)
            counts.created += 1
            changed = True
        elif obj.quote != vc.quote or obj.needs_review:
            obj.quote = vc.quote
            obj.source = source
            services.citation_save(citation=obj, reviewed=True)
            counts.updated += 1
            changed = True
        elif obj.text_sha256 != source.sha256:  # the text changed around it: the same words, a new context
            obj.source = source
            services.citation_save(citation=obj)
            counts.unchanged += 1
        else:
            counts.unchanged += 1
    for obj in current.values():
        services.citation_delete(citation=obj)
        counts.deleted += 1
        changed = True
    return changed


def _sync_conflicts(wanted: dict[frozenset[str], str], claims: dict[str, Claim], counts: Counts) -> None:
    """Conflicts between two fixture claims are exactly the fixtures'; others are left alone."""
    ids = {c.pk: k for k, c in claims.items()}
    current: dict[frozenset[str], Conflict] = {}
    for link in Conflict.objects.filter(from_claim__in=list(ids), to_claim__in=list(ids)):
        if link.from_claim_id < link.to_claim_id:
            current[frozenset((ids[link.from_claim_id], ids[link.to_claim_id]))] = link
    for pair, note in sorted(wanted.items(), key=lambda item: sorted(item[0])):
        a, b = sorted(pair)
        link = current.pop(pair, None)
        if link is None:
            services.conflict_save(conflict=Conflict(from_claim=claims[a], to_claim=claims[b], note=note))
            counts.created += 1
        elif link.note != note:
            link.note = note
            services.conflict_save(conflict=link)
            counts.updated += 1
        else:
            counts.unchanged += 1
    if current:
        services.conflicts_delete(conflicts=list(current.values()))
        counts.deleted += len(current)


def import_fixtures(
    path: Path | str, *, dry_run: bool = False, prune: bool = False, progress: Callable[..., None] | None = None
) -> ImportReport:
    """Validate everything, then write everything in one transaction (rolled back for a dry run)."""
    data = validate(load_fixtures(path))
    with transaction.atomic():
        report = write(data, progress=progress, prune=prune)
        report.dry_run = dry_run
        if dry_run:
            transaction.set_rollback(True)
    if report.changed and not dry_run:
        content.refresh_planner_statistics()
    return report
