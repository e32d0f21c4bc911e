"""Print the SQL of the claims or citations export, with its parameters inlined, for the command-line tools.

The benchmark gives the database's own command-line client (sqlite3, or psql on
PostgreSQL) the very query the export runs, so both produce the same rows.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khrushchev_kb.settings.base")

import django  # noqa: E402

django.setup()

from exports.tables import TABLES  # noqa: E402
from exports.writers import raw_rows  # noqa: E402


def literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.date):
        value = value.isoformat()
    return "'" + str(value).replace("'", "''") + "'"


def export_sql(table: str) -> str:
    if table not in TABLES:
        raise SystemExit(f"unknown table {table!r}")
    queryset = raw_rows(TABLES[table])
    sql, params = queryset.query.sql_with_params()
    parts = sql.split("%s")
    if len(parts) != len(params) + 1:
        raise SystemExit("cannot inline the parameters of this query")
    return parts[0] + "".join(literal(p) + part for p, part in zip(params, parts[1:], strict=True))


if __name__ == "__main__":
    print(export_sql(sys.argv[1]))
