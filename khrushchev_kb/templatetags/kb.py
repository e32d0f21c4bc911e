"""Template filters shared by every page: Markdown (sanitised), JSON-LD, EDTF display."""

import json
from urllib.parse import urlsplit

import markdown as md
import nh3
from django import template
from django.utils.safestring import mark_safe

from core import edtf_dates

register = template.Library()

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}


@register.filter
def markdown(text: str) -> str:
    """Markdown to HTML, sanitised with nh3: no scripts, no event handlers, only http(s)/mailto links."""
    rendered = md.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    clean = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


@register.filter
def web_url(value: str) -> str:
    """The address if it is an http(s) URL, else "": a stored URL becomes a link only if following it is harmless.

    Forms validate URLs, but rows can arrive by other paths (imports, the
    shell, a restored backup), and ``javascript:`` in an ``href`` runs on click.
    """
    value = (value or "").strip()
    return value if urlsplit(value).scheme.lower() in ("http", "https") and "\n" not in value else ""


@register.filter
def jsonld(data) -> str:
    """A dict as JSON safe inside <script type="application/ld+json">: no way to close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308 - every character that could end the script element is escaped


@register.filter
def edtf(text: str) -> str:
    return edtf_dates.humanize(text)


@register.filter
def date_marks(edtf: str) -> list[tuple[str, str]]:
    """How an EDTF date is vague, as (mark, meaning) pairs: drawn next to the date, never hidden."""
    return edtf_dates.vagueness(edtf)
