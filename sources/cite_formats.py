"""How to cite a source: plain text, BibTeX and CSL-JSON, built from its metadata.

Pure logic (the source is any object with the Source fields), so the page and
any future export share one implementation.
"""

import json
import re

from core import edtf_dates

BIBTEX_SPECIAL = re.compile(r"([{}\\\\&%$#_^~])")


def _year(source) -> str:
    lower, _ = edtf_dates.bounds(source.publication_date) if source.publication_date else (None, None)
    return str(lower.year) if lower else ""


def _bibtex_escape(text: str) -> str:
    return BIBTEX_SPECIAL.sub(r"\\\1", " ".join((text or "").split()))


def plain(source, url: str, accessed: str) -> str:
    parts = [source.author] if source.author else []
    parts.append(f"“{source.title}”")
    if source.publisher:
        parts.append(source.publisher)
    if source.publication_date:
        parts.append(edtf_dates.humanize(source.publication_date))
    parts.append(f"{url} (file {source.file_name}, SHA-256 {source.sha256[:12]}…; accessed {accessed})")
    return ". ".join(p.rstrip(".") for p in parts) + "."


def bibtex(source, url: str, accessed: str) -> str:
    fields = [("title", _bibtex_escape(source.title))]
    if source.author:
        fields.append(("author", _bibtex_escape(source.author)))
    if source.publisher:
        fields.append(("publisher" if source.kind in ("book",) else "organization", _bibtex_escape(source.publisher)))
    if _year(source):
        fields.append(("year", _year(source)))
    fields += [("url", url), ("urldate", accessed), ("note", f"Stored as {source.file_name}, SHA-256 {source.sha256}")]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    kind = "book" if source.kind == "book" else "misc"
    return f"@{kind}{{{source.slug.replace('-', '_')},\n{body}\n}}"


def csl_json(source, url: str, accessed: str) -> str:
    item = {
        "id": source.slug,
        "type": {"article": "article-newspaper", "book": "book", "wiki-page": "entry-encyclopedia"}.get(
            source.kind, "webpage"
        ),
        "title": source.title,
        "URL": url,
        "accessed": {"date-parts": [[int(x) for x in accessed.split("-")]]},
        "note": f"file {source.file_name}; SHA-256 {source.sha256}",
    }
    if source.publisher:
        item["container-title" if source.kind != "book" else "publisher"] = source.publisher
    if source.author:
        item["author"] = [{"literal": source.author}]
    lower, _ = edtf_dates.bounds(source.publication_date) if source.publication_date else (None, None)
    if lower:
        precision = edtf_dates.precision(source.publication_date)
        parts = [lower.year] + ([lower.month] if precision in ("month", "day") else [])
        parts += [lower.day] if precision == "day" else []
        item["issued"] = {"date-parts": [parts]}
    return json.dumps([item], ensure_ascii=False, indent=2)
