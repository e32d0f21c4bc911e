"""The Frictionless Data Package descriptor of the CSV exports, derived from the table declarations."""

from django.conf import settings

from core import period
from core.canonical import absolute

from .tables import TABLES, Column, Table

CSV_DIALECT = {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "doubleQuote": True, "header": True}


def field(column: Column) -> dict:
    described = {"name": column.name, "type": column.frictionless_type, "description": column.description}
    if column.kind == "url":
        described["format"] = "uri"
    if column.kind == "boolean":
        described.update(trueValues=["true"], falseValues=["false"])
    if column.constraints:
        described["constraints"] = column.constraints
    return described


def resource(table: Table) -> dict:
    return {
        "name": table.name,
        "path": f"{table.name}.csv",
        "title": table.title,
        "description": table.description,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": CSV_DIALECT,
        "schema": {
            "fields": [field(column) for column in table.columns],
            "primaryKey": table.primary_key,
            "foreignKeys": table.foreign_keys,
            "missingValues": [""],
        },
    }


def descriptor() -> dict:
    version = getattr(settings, "KB_DATASET_VERSION", "0.1.0")
    title = f"Khrushchev's rise and fall ({period.ASCII_LABEL}): cited claims"
    return {
        "profile": "tabular-data-package",
        "name": "khrushchev-kb",
        "title": title,
        "description": (
            "Claims about Nikita Khrushchev's rise and fall drawn from five web sources, each claim cited to the "
            "exact passages (verbatim quotes at character offsets) of the sources that assert it. Where sources "
            "of independent origins agree a claim is 'corroborated'; where they disagree both versions are kept "
            "and 'contested'. Text cells starting with = + - @, tab or carriage return are prefixed with an "
            "apostrophe (formula-injection protection)."
        ),
        "version": version,
        "homepage": absolute("/"),
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "title": "Creative Commons Attribution 4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
            }
        ],
        "citation": f"Khrushchev KB contributors. {title}, version {version}. Data package, "
        f"{absolute('/export/datapackage.json')}.",
        "keywords": ["Khrushchev", "Soviet Union", "history", "claims", "citations", "EDTF"],
        "resources": [resource(table) for table in TABLES.values()],
    }
