"""The reading view of a source: its verbatim text rendered for people, cited passages highlighted.

Pure logic, no Django (the view marks the result safe). The stored text is never
changed; rendering works on offsets into it:

* MediaWiki markup becomes what a reader expects: ``==headings==`` headings,
  ``[[File:…|caption]]`` a figure with its caption, ``<ref>…</ref>`` a numbered
  footnote, ``[[links]]`` their text; templates, tags and magic words vanish.
* Redaction marks (``**``, ``***``: words removed in the source) are shown as
  visible redactions, never filled in.
* Lines before the first and after the last substantive sentence (edit-capture
  chrome, bylines, site navigation) are de-emphasised.
* Every citation becomes one element ``id="cite-<id>"`` holding exactly its
  quote's text, opened by a link back to its claim (first, so that the first link
  inside a passage is always its own, however passages nest). Passages may nest; the rare pair
  that crosses (each starts inside the other) is made to nest by extending the
  earlier passage's element to the later one's end, so ids stay unique and no
  quoted word is ever dropped.
* Markup that a passage itself quotes is shown as literal text, so the passage
  keeps every character it cites.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import wikitext
from .sentences import substantive_sentences

REDACTION = re.compile(r"\*{2,}")
URL = re.compile(r"https?://[^\s<>\"]+")


@dataclass(frozen=True)
class Passage:
    id: int
    start: int
    end: int
    href: str
    label: str
    css: str = ""


@dataclass
class Reading:
    html: str
    footnotes: list[str] = field(default_factory=list)  # rendered HTML of each <ref>, in order
    figures: list[str] = field(default_factory=list)  # figure file names, in order


@dataclass
class _Markup:
    hidden: list[tuple[int, int]] = field(default_factory=list)
    decorations: list[tuple[int, int, str, str]] = field(default_factory=list)  # start, end, open, close
    insertions: list[tuple[int, str]] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)


def _linkify(text: str) -> str:
    out, pos = [], 0
    for m in URL.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        url = m.group().rstrip(".,;)")
        out.append(f'<a href="{html.escape(url)}" rel="nofollow noopener noreferrer">{html.escape(url)}</a>')
        out.append(html.escape(m.group()[len(url) :]))
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _scan(text: str, figure_html: Callable[[str, str], str]) -> _Markup:
    """Find the markup of the text; claimed ranges never overlap (first pattern wins)."""
    markup = _Markup()
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for m in wikitext.REF.finditer(text):
        if free(m.start(), m.end()):
            taken.append(m.span())
            markup.footnotes.append(_linkify(m.group(1).strip()))
            n = len(markup.footnotes)
            markup.hidden.append(m.span())
            markup.insertions.append(
                (m.start(), f'<sup class="footnote-ref"><a href="#footnote-{n}" id="footnote-ref-{n}">[{n}]</a></sup>')
            )
    for m in wikitext.FIGURE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        taken.append(m.span())
        name = m.group(1).strip()
        params_start = m.start(2)
        caption_start = caption_end = None
        pos = params_start
        for part in m.group(2).split("|")[1:]:
            pos += 1  # the "|"
            if part.strip() and not wikitext.FIGURE_OPTION.match(part.strip()):
                caption_start, caption_end = pos, pos + len(part)
            pos += len(part)
        markup.figures.append(name)
        caption = text[caption_start:caption_end] if caption_start is not None else ""
        markup.insertions.append((m.start(), figure_html(name, caption)))
        if caption_start is None:
            markup.hidden.append(m.span())
        else:
            markup.hidden.append((m.start(), caption_start))
            markup.decorations.append((caption_start, caption_end, '<span class="figure-caption">', "</span>"))
            markup.hidden.append((caption_end, m.end()))
    for m in wikitext.LINK.finditer(text):
        if not free(m.start(), m.end()):
            continue
        taken.append(m.span())
        shown = m.span(2) if m.group(2) else m.span(1)
        markup.hidden.append((m.start(), shown[0]))
        markup.decorations.append((shown[0], shown[1], '<span class="wikilink">', "</span>"))
        markup.hidden.append((shown[1], m.end()))
    for pattern in (wikitext.TEMPLATE, wikitext.HTML_TAG, wikitext.MAGIC_WORD):
        for m in pattern.finditer(text):
            if free(m.start(), m.end()):
                taken.append(m.span())
                markup.hidden.append(m.span())
    for m in wikitext.HEADING.finditer(text):
        if not free(m.start(), m.end()):
            continue
        taken.append(m.span())
        markup.hidden.append((m.start(), m.start(2)))
        markup.decorations.append(
            (m.start(2), m.end(2), '<span class="wiki-heading" role="heading" aria-level="3">', "</span>")
        )
        markup.hidden.append((m.end(2), m.end()))
    for m in REDACTION.finditer(text):
        if free(m.start(), m.end()):
            taken.append(m.span())
            markup.decorations.append(
                (
                    m.start(),
                    m.end(),
                    '<span class="redaction" title="Words removed in the source (redaction mark)">',
                    "</span>",
                )
            )
    _chrome(text, markup)
    return markup


def _chrome(text: str, markup: _Markup) -> None:
    """De-emphasise what stands before the first and after the last substantive sentence."""
    sentences = substantive_sentences(text)
    if not sentences:
        return
    head_end = text.rfind("\n", 0, sentences[0].start) + 1
    tail_start = text.find("\n", sentences[-1].end)
    if head_end > 0:
        markup.decorations.append((0, head_end, '<span class="source-chrome">', "</span>"))
    if tail_start != -1 and text[tail_start:].strip():
        markup.decorations.append((tail_start, len(text), '<span class="source-chrome source-navigation">', "</span>"))


def _laminate(passages: list[Passage]) -> list[tuple[Passage, int]]:
    """Passages with the end their element gets, so that elements nest (see module docstring)."""
    ordered = sorted(passages, key=lambda p: (p.start, -p.end, p.id))
    ends = {p.id: p.end for p in ordered}
    stack: list[Passage] = []
    for p in ordered:
        while stack and ends[stack[-1].id] <= p.start:
            stack.pop()
        for open_p in stack:
            if ends[open_p.id] < p.end:
                ends[open_p.id] = p.end
        stack.append(p)
    return [(p, ends[p.id]) for p in ordered]


def render(
    text: str,
    passages: list[Passage],
    *,
    figure_html: Callable[[str, str], str] | None = None,
) -> Reading:
    """The reading view's HTML (to be shown in an element styled ``white-space: pre-wrap``)."""
    figure_html = figure_html or (
        lambda name, caption: f'<span class="figure-placeholder">Figure: {html.escape(name)}</span>'
    )
    markup = _scan(text, figure_html)
    laminated = _laminate([p for p in passages if 0 <= p.start < p.end <= len(text)])

    # A hidden range that a passage touches is shown literally: a passage keeps every character.
    def touched(s: int, e: int) -> bool:
        return any(p.start < e and end > s for p, end in laminated)

    hidden = [(s, e) for s, e in markup.hidden if s < e]
    shown_literal = {(s, e) for s, e in hidden if touched(s, e)}

    bounds = {0, len(text)}
    for p, end in laminated:
        bounds.update((p.start, end))
    for s, e, _, _ in markup.decorations:
        bounds.update((s, e))
    for s, e in hidden:
        bounds.update((s, e))
    for pos, _ in markup.insertions:
        bounds.add(pos)
    points = sorted(b for b in bounds if 0 <= b <= len(text))

    opens: dict[int, list[tuple[Passage, int]]] = {}
    for p, end in laminated:
        opens.setdefault(p.start, []).append((p, end))
    inserts: dict[int, list[str]] = {}
    for pos, fragment in markup.insertions:
        inserts.setdefault(pos, []).append(fragment)
    decorations = sorted(markup.decorations, key=lambda d: (d[0], -d[1]))

    out: list[str] = []
    passage_stack: list[tuple[Passage, int]] = []
    deco_stack: list[tuple[int, int, str, str]] = []

    def close_decorations(keep: list) -> None:
        while deco_stack and (len(deco_stack) > len(keep) or deco_stack != keep[: len(deco_stack)]):
            out.append(deco_stack.pop()[3])

    for i, point in enumerate(points):
        wanted = [d for d in decorations if d[0] <= point < d[1]]
        passage_change = any(end == point for _, end in passage_stack) or point in opens
        if passage_change:
            close_decorations([])
            while passage_stack and passage_stack[-1][1] == point:
                passage_stack.pop()
                out.append("</mark>")
        else:
            close_decorations(wanted)
        out.extend(inserts.get(point, []))
        if point in opens:
            for p, end in sorted(opens[point], key=lambda item: -item[1]):
                classes = f"passage {p.css}".strip()
                label = html.escape(p.label, quote=True)
                # The link back to the claim comes first in its passage: the first link inside a passage is
                # always that passage's own, however passages nest.
                out.append(
                    f'<mark class="{classes}" id="cite-{p.id}"><a class="backlink" href="{html.escape(p.href)}" '
                    f'title="{label}" aria-label="{label}">↩</a>'
                )
                passage_stack.append((p, end))
        for d in wanted[len(deco_stack) :]:
            out.append(d[2])
            deco_stack.append(d)
        if i + 1 == len(points):
            break
        nxt = points[i + 1]
        segment = text[point:nxt]
        in_hidden = next(((s, e) for s, e in hidden if s <= point and nxt <= e), None)
        if in_hidden is None:
            out.append(html.escape(segment))
        elif in_hidden in shown_literal:
            out.append(f'<span class="markup">{html.escape(segment)}</span>')
    close_decorations([])
    while passage_stack:  # only at the very end of the text
        passage_stack.pop()
        out.append("</mark>")
    return Reading("".join(out), markup.footnotes, markup.figures)
