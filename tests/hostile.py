"""Plant the XSS corpus in every text field, and check that a page shows it as text only.

``plant()`` gives each payload its own person, event, source (with a figure,
a reference and the payload inside its text), claim (citing that passage),
conflict and tag, the payload in every text field of each. ``problems()`` lists
what in a page could act: a script that is not the site's own, an event
handler, a dangerous URL, a frame or object, anything that loads from
elsewhere. The browser test (tests/test_browser.py) loads the same pages in
Chromium.
"""

from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup

from events.models import Event
from people.models import Person
from sources import services
from sources.models import Citation, Claim, Conflict, Figure, Reference, Source

from .xss_corpus import PAYLOADS

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster", "cite"}
LOADS = {"src", "data", "background", "poster"}  # attributes that fetch when the page renders
DANGEROUS_SCHEME = re.compile(r"^(javascript|vbscript|data|file):", re.IGNORECASE)
FORBIDDEN_TAGS = {
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "isindex",
    "math",
    "style",
    "foreignobject",
    "animate",
    "set",
    "plaintext",
    "xmp",
    "marquee",
}
SITE_MARKUP = {'<a href="'}  # payloads every page's own markup contains anyway
CONTROL = re.compile(r"[\x00-\x20]")


def plant(payloads=PAYLOADS) -> dict[str, list]:
    """Every payload in every text field; returns the objects made, by kind."""
    made: dict[str, list] = {"people": [], "events": [], "sources": [], "claims": []}
    for i, payload in enumerate(payloads):
        short = payload[:100]
        person = Person.objects.create(name=payload[:200], slug=f"hostile-person-{i}", aliases=payload, bio=payload)
        person.tags.add(short)
        event = Event.objects.create(title=payload, slug=f"hostile-event-{i}", place=payload[:200], summary=payload)
        event.people.add(person)
        event.tags.add(short)
        text = f"Hostile passage {i} follows.\n{payload}\nThe passage above is quoted verbatim.\n"
        source = Source.objects.create(
            title=payload,
            slug=f"hostile-source-{i}",
            publisher=payload[:200],
            author=payload[:200],
            file_name=payload[:255],
            text=text,
            notes=payload,
        )
        source.tags.add(short)
        Figure.objects.create(source=source, file_name=payload[:255], caption=payload)
        Reference.objects.create(source=source, title=payload, url=payload[:500])
        claim = Claim.objects.create(statement=payload, note=payload, date="1956-02-25", event=event)
        claim.people.add(person)
        claim.tags.add(short)
        start = text.index(payload)
        Citation.objects.create(claim=claim, source=source, quote=payload, start=start, end=start + len(payload))
        if i % 2:
            services.conflict_save(conflict=Conflict(from_claim=made["claims"][-1], to_claim=claim, note=payload))
        made["people"].append(person)
        made["events"].append(event)
        made["sources"].append(source)
        made["claims"].append(claim)
    services.refresh_everything()  # the rows above were written directly (payloads no form would accept)
    return made


def _url_problem(tag, attribute: str, value: str) -> str | None:
    squeezed = CONTROL.sub("", value)
    if DANGEROUS_SCHEME.match(squeezed):
        return f"<{tag.name} {attribute}={value!r}>: a {squeezed.split(':', 1)[0]}: URL"
    loads = attribute in LOADS or (tag.name == "link") or attribute in {"action", "formaction"}
    if loads and (squeezed.startswith("//") or re.match(r"^[a-z][a-z0-9+.-]*:", squeezed, re.IGNORECASE)):
        return f"<{tag.name} {attribute}={value!r}>: loads from another site"
    return None


def problems(html: str, payloads=PAYLOADS) -> list[str]:
    """What in this page could act; [] when every payload is inert text."""
    found = []
    for payload in payloads:
        if "<" in payload and payload in html and payload not in SITE_MARKUP:
            found.append(f"payload verbatim in the markup: {payload!r}")
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        name = tag.name.lower()
        if name in FORBIDDEN_TAGS:
            found.append(f"<{name}> element")
        if name == "meta" and tag.get("http-equiv"):
            found.append(f"<meta http-equiv={tag.get('http-equiv')!r}>")
        if name == "script":
            kind = (tag.get("type") or "").lower()
            if kind in ("application/ld+json", "application/json"):
                try:
                    json.loads(tag.string or "null")
                except ValueError:
                    found.append("a JSON script block that is not JSON (broken out of?)")
            elif not re.match(r"^/[^/]", tag.get("src") or ""):
                found.append(f"a script that is not one of the site's own: {str(tag)[:80]!r}")
        if name == "svg" and tag.find(["script", "animate", "set", "foreignobject"]):
            found.append("an <svg> holding script or animation")
        for attribute, value in tag.attrs.items():
            attribute = attribute.lower()
            value = " ".join(value) if isinstance(value, list) else str(value)
            if attribute.startswith("on"):
                found.append(f"<{name} {attribute}=…> event handler")
            elif attribute == "srcdoc" or (
                attribute == "style" and re.search(r"url\(|expression|@import", value, re.I)
            ):
                found.append(f"<{name} {attribute}={value[:60]!r}>")
            elif attribute in URL_ATTRIBUTES and (problem := _url_problem(tag, attribute, value)):
                found.append(problem)
    return found
