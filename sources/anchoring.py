"""Anchor a quote in a source text: find the exact character offsets it occupies.

Pure logic, no Django: the importer, the model's ``clean()`` and the admin share
it. Offsets count Unicode code points (Python string indices), the same as
``source.text[start:end]``.

A quote that is not in the text is never guessed: the error carries the closest
passage so the curator can see what the source actually says. A quote that
occurs more than once is never guessed either: the caller must pass the intended
start offset (or a longer quote).
"""

import difflib
from dataclasses import dataclass


class AnchorError(ValueError):
    """The quote cannot be anchored in the text."""


class QuoteNotFound(AnchorError):
    def __init__(self, quote: str, closest: str | None):
        self.quote = quote
        self.closest = closest
        message = f"quote not found in the source text: {shorten(quote)!r}"
        if closest:
            message += f"; the closest passage is {shorten(closest)!r}"
        super().__init__(message)


class QuoteAmbiguous(AnchorError):
    def __init__(self, quote: str, starts: list[int]):
        self.quote = quote
        self.starts = starts
        super().__init__(
            f"quote occurs {len(starts)} times in the source text, at offsets "
            f"{', '.join(map(str, starts[:10]))}: give the intended start offset or a longer quote: "
            f"{shorten(quote)!r}"
        )


class QuoteNotAtOffset(AnchorError):
    def __init__(self, quote: str, start: int, found: str, starts: list[int]):
        self.quote = quote
        self.start = start
        self.starts = starts
        where = f" (it occurs at {', '.join(map(str, starts[:10]))})" if starts else ""
        super().__init__(
            f"quote is not at offset {start}{where}: the text there reads {shorten(found)!r}, not {shorten(quote)!r}"
        )


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int


def shorten(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def occurrences(text: str, quote: str) -> list[int]:
    """Every start offset of ``quote`` in ``text``, overlapping ones included."""
    starts = []
    i = text.find(quote)
    while i != -1:
        starts.append(i)
        i = text.find(quote, i + 1)
    return starts


def anchor(text: str, quote: str, start: int | None = None) -> Anchor:
    """Where ``quote`` stands in ``text``.

    With ``start``, the quote must stand exactly there. Without it, the quote
    must occur exactly once.
    """
    if not quote:
        raise AnchorError("the quote is empty")
    starts = occurrences(text, quote)
    if start is not None:
        if text[start : start + len(quote)] != quote:
            raise QuoteNotAtOffset(quote, start, text[start : start + len(quote)], starts)
        return Anchor(start, start + len(quote))
    if not starts:
        raise QuoteNotFound(quote, closest_passage(text, quote))
    if len(starts) > 1:
        raise QuoteAmbiguous(quote, starts)
    return Anchor(starts[0], starts[0] + len(quote))


def closest_passage(text: str, quote: str) -> str | None:
    """The passage of ``text`` most like ``quote``, to show next to a "not found" error.

    Candidate windows are placed on every occurrence of the quote's rarest
    words, then ranked by similarity; cheap enough for texts of a few hundred
    kilobytes.
    """
    if not text or not quote:
        return None
    width = len(quote)
    candidates: set[int] = set()
    words = sorted({w for w in quote.split() if len(w) > 3}, key=lambda w: text.count(w))
    for word in words[:5]:
        offset_in_quote = quote.find(word)
        for pos in occurrences(text, word)[:50]:
            candidates.add(max(0, pos - offset_in_quote))
    if not candidates:
        match = difflib.SequenceMatcher(None, text, quote, autojunk=False).find_longest_match(
            0, len(text), 0, len(quote)
        )
        if match.size == 0:
            return None
        candidates.add(max(0, match.a - match.b))
    best_ratio, best_start = -1.0, 0
    for pos in sorted(candidates):
        ratio = difflib.SequenceMatcher(None, text[pos : pos + width], quote, autojunk=False).ratio()
        if ratio > best_ratio:
            best_ratio, best_start = ratio, pos
    if best_ratio < 0.3:
        return None
    return text[best_start : best_start + width]


def reanchor(old_text: str, new_text: str, quote: str, old_start: int) -> Anchor:
    """Find a citation again after its source text changed.

    The quote is looked up in the new text; when it occurs more than once, the
    occurrence whose surrounding text matches the old context best wins, but
    only if it is clearly better than the others (never a coin toss).
    """
    starts = occurrences(new_text, quote)
    if len(starts) == 1:
        return Anchor(starts[0], starts[0] + len(quote))
    if not starts:
        raise QuoteNotFound(quote, closest_passage(new_text, quote))
    context = 60
    before = old_text[max(0, old_start - context) : old_start]
    after = old_text[old_start + len(quote) : old_start + len(quote) + context]
    scored = []
    for s in starts:
        nb = new_text[max(0, s - context) : s]
        na = new_text[s + len(quote) : s + len(quote) + context]
        score = (
            difflib.SequenceMatcher(None, before, nb, autojunk=False).ratio()
            + difflib.SequenceMatcher(None, after, na, autojunk=False).ratio()
        )
        scored.append((score, s))
    scored.sort(reverse=True)
    if scored[0][0] - scored[1][0] < 0.2:
        raise QuoteAmbiguous(quote, starts)
    return Anchor(scored[0][1], scored[0][1] + len(quote))


def fuzzy_find(text: str, quote: str, min_ratio: float = 0.9) -> Anchor | None:
    """The passage of ``text`` most like ``quote`` if it is at least ``min_ratio`` similar, else None.

    For a source whose text was corrected around a cited passage (a typo fixed
    inside the quote): the citation moves to the corrected words.
    """
    closest = closest_passage(text, quote)
    if closest is None:
        return None
    if difflib.SequenceMatcher(None, closest, quote, autojunk=False).ratio() < min_ratio:
        return None
    starts = occurrences(text, closest)
    if len(starts) != 1:
        return None
    return Anchor(starts[0], starts[0] + len(closest))
