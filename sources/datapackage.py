"""The Frictionless Data Package descriptor documenting the five CSV exports."""

from django.conf import settings

from core import period
from core.canonical import absolute

from .models import Claim

URL_FIELD = {
    "name": "url",
    "type": "string",
    "format": "uri",
    "description": "Absolute URL of the item's page on the site (from its canonical origin, KB_BASE_URL).",
}
SLUGS = "Slugs joined with ';' (empty when none)."


def _date_fields(what: str) -> list[dict]:
    return [
        {"name": "date", "type": "string", "description": f"The {what}'s date in EDTF, as precise as the sources "
         "allow (1964-10-14, 1956-02, 1955~, 1953?, 1955/1957); empty when undated."},
        {"name": "date_start", "type": "date", "description": "Earliest day the EDTF date can mean (ISO 8601)."},
        {"name": "date_end", "type": "date", "description": "Latest day the EDTF date can mean (ISO 8601)."},
    ]  # fmt: skip


def descriptor() -> dict:
    version = getattr(settings, "KB_DATASET_VERSION", "0.1.0")
    csv_dialect = {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "doubleQuote": True, "header": True}

    def resource(name, title, description, fields, primary_key, foreign_keys=()):
        return {
            "name": name,
            "path": f"{name}.csv",
            "title": title,
            "description": description,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": csv_dialect,
            "schema": {
                "fields": fields,
                "primaryKey": primary_key,
                "foreignKeys": list(foreign_keys),
                "missingValues": [""],
            },
        }

    return {
        "profile": "tabular-data-package",
        "name": "khrushchev-kb",
        "title": f"Khrushchev's rise and fall ({period.ASCII_LABEL}): cited claims",
        "description": (
            "Claims about Nikita Khrushchev's rise and fall drawn from five web sources, each claim cited to the "
            "exact passages (verbatim quotes at character offsets) of the sources that assert it. Where sources "
            "agree a claim is 'corroborated'; where they disagree both versions are kept and 'contested'. "
            "Text cells starting with = + - @, tab or carriage return are prefixed with an apostrophe "
            "(formula-injection protection)."
        ),
        "version": version,
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "citation": f"Khrushchev KB contributors. Khrushchev's rise and fall ({period.ASCII_LABEL}): cited claims, "
                    f"version {version}. Data package, {absolute('/export/datapackage.json')}.",
        "keywords": ["Khrushchev", "Soviet Union", "history", "claims", "citations", "EDTF"],
        "resources": [
            resource(
                "claims", "Claims", "One row per claim: an atomic assertion of the sources.",
                [
                    {"name": "id", "type": "integer", "description": "Claim id (stable permalink /claims/<id>/).",
                     "constraints": {"required": True, "unique": True}},
                    {"name": "statement", "type": "string", "description": "The assertion, in plain English.",
                     "constraints": {"required": True}},
                    *_date_fields("claim"),
                    {"name": "status", "type": "string", "description": "Derived: contested if it conflicts with "
                     "another public claim, else corroborated if published sources of at least two independent "
                     "origins cite it (citations under review not counted), else single-source.",
                     "constraints": {"required": True, "enum": list(Claim.Status.values)}},
                    {"name": "people", "type": "string", "description": "People the claim is about. " + SLUGS},
                    {"name": "event", "type": "string", "description": "Slug of the event it belongs to, if any."},
                    {"name": "tags", "type": "string", "description": "Themes. " + SLUGS},
                    {"name": "sources", "type": "string", "description": "Sources citing it. " + SLUGS},
                    {"name": "source_files", "type": "string",
                     "description": "Original file names of those sources, joined with ';'."},
                    {"name": "citation_count", "type": "integer", "description": "Number of cited passages."},
                    {"name": "independent_sources", "type": "integer", "description": "Independent origins "
                     "among the published sources citing it: sources that derive from one another (a capture "
                     "of a page and the page, a copy, a translation) count once; citations under review do "
                     "not count.", "constraints": {"minimum": 0}},
                    {"name": "source_error", "type": "string", "description": "An editorial flag: the statement "
                     "is faithful to its source, but the source is wrong here; why, in a sentence. Empty when none."},
                    URL_FIELD,
                ],
                "id",
                [{"fields": "event", "reference": {"resource": "events", "fields": "slug"}}],
            ),
            resource(
                "citations", "Citations", "One row per cited passage: source.text[start:end] == quote.",
                [
                    {"name": "id", "type": "integer", "description": "Citation id.",
                     "constraints": {"required": True, "unique": True}},
                    {"name": "claim_id", "type": "integer", "description": "The claim it supports.",
                     "constraints": {"required": True}},
                    {"name": "source", "type": "string", "description": "Slug of the source.",
                     "constraints": {"required": True}},
                    {"name": "source_file", "type": "string", "description": "The source's original file name."},
                    {"name": "quote", "type": "string", "description": "The exact passage, verbatim.",
                     "constraints": {"required": True}},
                    {"name": "start", "type": "integer", "description": "Offset of the first character (Unicode "
                     "code points) in the source text.", "constraints": {"required": True, "minimum": 0}},
                    {"name": "end", "type": "integer", "description": "Offset just past the last character.",
                     "constraints": {"required": True, "minimum": 1}},
                    {"name": "needs_review", "type": "boolean", "trueValues": ["true"], "falseValues": ["false"],
                     "description": "true when the source text changed and the passage was found only "
                     "approximately (or its context changed): shown as under review, and not counted as "
                     "corroboration until an editor has checked it."},
                    {"name": "url", "type": "string", "format": "uri", "description": "The highlighted passage "
                     "on the source page: <origin>/sources/<slug>/#cite-<id>."},
                ],
                "id",
                [
                    {"fields": "claim_id", "reference": {"resource": "claims", "fields": "id"}},
                    {"fields": "source", "reference": {"resource": "sources", "fields": "slug"}},
                ],
            ),
            resource(
                "sources", "Sources", "The documents the claims are drawn from, stored verbatim.",
                [
                    {"name": "slug", "type": "string", "constraints": {"required": True, "unique": True},
                     "description": "Source slug."},
                    {"name": "title", "type": "string", "description": "Title."},
                    {"name": "publisher", "type": "string", "description": "Site or book that published it."},
                    {"name": "author", "type": "string", "description": "Author, when known."},
                    {"name": "kind", "type": "string", "description": "article, wiki-page, book, book-page, ..."},
                    {"name": "published", "type": "string", "description": "Publication date (EDTF)."},
                    {"name": "file_name", "type": "string", "description": "Original file name."},
                    {"name": "sha256", "type": "string", "description": "SHA-256 of the text as UTF-8.",
                     "constraints": {"pattern": "[0-9a-f]{64}"}},
                    {"name": "derived_from", "type": "string", "description": "Slug of the source this text is "
                     "a capture, copy, excerpt or translation of (empty when none): the two are one origin."},
                    {"name": "claim_count", "type": "integer", "description": "Claims citing it."},
                    URL_FIELD,
                ],
                "slug",
                [{"fields": "derived_from", "reference": {"resource": "sources", "fields": "slug"}}],
            ),
            resource(
                "people", "People", "Everyone the sources name.",
                [
                    {"name": "slug", "type": "string", "constraints": {"required": True, "unique": True},
                     "description": "Person slug."},
                    {"name": "name", "type": "string", "description": "Name."},
                    {"name": "aliases", "type": "string",
                     "description": "Spelling variants used by the sources, joined with ';'."},
                    {"name": "born", "type": "string", "description": "Birth date (EDTF)."},
                    {"name": "died", "type": "string", "description": "Death date (EDTF)."},
                    {"name": "claim_count", "type": "integer", "description": "Claims about them."},
                    URL_FIELD,
                ],
                "slug",
            ),
            resource(
                "events", "Events", "The turning points.",
                [
                    {"name": "slug", "type": "string", "constraints": {"required": True, "unique": True},
                     "description": "Event slug."},
                    {"name": "title", "type": "string", "description": "Title."},
                    *_date_fields("event"),
                    {"name": "people", "type": "string", "description": "Participants. " + SLUGS},
                    {"name": "claim_count", "type": "integer", "description": "Claims about it."},
                    URL_FIELD,
                ],
                "slug",
            ),
        ],
    }  # fmt: skip
