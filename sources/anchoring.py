"""Anchor a quote in a source text: find the exact character offsets it occupies.

Pure logic, no Django: the importer, the model's ``clean()`` and the admin share
it. Offsets count Unicode code points (Python string indices), the same as
``source.text[start:end]``.

A quote that is not in the text is never guessed: the error carries the closest
passage so the curator can see what the source actually says. A quote that
occurs more than once is never guessed either: the caller must pass the intended
start offset (or a longer quote).
"""

import bisect
import difflib
import re
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


# --------------------------------------------------------------------------- following a changed text

CONTEXT = 32  # characters of context on each side (the W3C TextQuoteSelector's prefix and suffix)
KEPT, REVIEW, REFUSED = "kept", "review", "refused"
MAPPED_MIN_RATIO = 0.6  # the words the diff puts where the passage was must be this similar to the quote
SEARCHED_MIN_RATIO = 0.75  # a passage found by searching the whole text must be more similar still


@dataclass(frozen=True)
class Followed:
    """Where a citation goes when its source text changes, and whether that may happen silently.

    ``kept``: the quote stands, word for word, at ``start``; the only such place
    in the new text, or the only one whose context still agrees. ``review``: a
    candidate was found (an exact match whose context changed, or an approximate
    match), so the citation moves there but must be checked by an editor;
    ``quote`` holds the words now at those offsets. ``refused``: nothing
    plausible; ``closest`` shows the most similar passage, if any.
    """

    outcome: str
    reason: str
    start: int | None = None
    end: int | None = None
    quote: str | None = None
    closest: str | None = None


def context_of(text: str, start: int, end: int) -> tuple[str, str]:
    return text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT]


def follow(
    old_text: str, new_text: str, quote: str, start: int, prefix: str | None = None, suffix: str | None = None
) -> Followed:
    """Find a citation again after its source text changed, never silently at different words.

    ``prefix`` and ``suffix`` are the context the quote was verified in (taken
    from ``old_text`` when not given). A citation follows silently only when the
    same words stand in the new text and nothing else could be meant: the quote
    occurs exactly once in both texts and stands where the diff between the texts
    puts the passage (or keeps part of its context), or exactly one occurrence in
    each text has its whole context and the number of occurrences did not change.
    A passage copied next to itself, one of two copies removed, or the passage
    deleted and the same words written elsewhere always asks an editor.
    """
    end = start + len(quote)
    if prefix is None or suffix is None:
        prefix, suffix = context_of(old_text, start, end)
    new_starts = occurrences(new_text, quote)
    old_starts = occurrences(old_text, quote)

    def before_agrees(text: str, at: int) -> bool:
        return text[max(0, at - len(prefix)) : at] == prefix

    def after_agrees(text: str, at: int) -> bool:
        after = at + len(quote)
        return text[after : after + len(suffix)] == suffix

    def agrees(text: str, at: int) -> bool:
        return before_agrees(text, at) and after_agrees(text, at)

    mapped = map_span(old_text, new_text, start, end)
    if len(new_starts) == 1 and len(old_starts) == 1:
        at = new_starts[0]
        # Once in each text is not enough by itself: the edit may have removed the passage and written the same
        # words elsewhere. The words must still stand where the diff puts the passage, or in part of its context.
        if mapped == (at, at + len(quote)) or before_agrees(new_text, at) or after_agrees(new_text, at):
            return _kept(at, quote, "the quote occurs once, as before, in its place")

    new_agree = [at for at in new_starts if agrees(new_text, at)]
    old_agree = [at for at in old_starts if agrees(old_text, at)]
    if len(new_agree) == 1 and len(old_agree) == 1 and len(new_starts) == len(old_starts):
        return _kept(new_agree[0], quote, "the only occurrence whose context agrees")

    if new_starts:
        if mapped is not None and mapped[0] in new_starts:
            best = mapped[0]
        else:
            best = max(new_starts, key=lambda at: _context_similarity(new_text, at, len(quote), prefix, suffix))
        if len(new_starts) > 1:
            reason = f"the quote occurs {len(new_starts)} times in the new text and its context does not decide"
        else:
            reason = "the quote's surrounding text changed"
        return Followed(REVIEW, reason, best, best + len(quote), quote)

    if mapped is not None:
        found = _trimmed(new_text, *mapped)
        if found is not None and similarity(new_text[found[0] : found[1]], quote) >= MAPPED_MIN_RATIO:
            return _approximate(new_text, quote, found)
    closest = closest_passage(new_text, quote)
    if closest is not None and similarity(closest, quote) >= SEARCHED_MIN_RATIO:
        starts = occurrences(new_text, closest)
        if len(starts) == 1:
            return _approximate(new_text, quote, (starts[0], starts[0] + len(closest)))
    return Followed(REFUSED, "the passage is no longer in the text", closest=closest)


def _kept(at: int, quote: str, reason: str) -> Followed:
    return Followed(KEPT, reason, at, at + len(quote), quote)


def _approximate(new_text: str, quote: str, span: tuple[int, int]) -> Followed:
    words = new_text[span[0] : span[1]]
    ratio = similarity(words, quote)
    alike = int(ratio * 100)  # floored: a changed passage never reads as "100 % alike"
    return Followed(REVIEW, f"the passage's words changed ({alike} % alike)", span[0], span[1], words)


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _context_similarity(text: str, at: int, length: int, prefix: str, suffix: str) -> float:
    before = text[max(0, at - len(prefix)) : at]
    after = text[at + length : at + length + len(suffix)]
    return similarity(before, prefix) + similarity(after, suffix)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


def _tokens(text: str) -> tuple[list[str], list[int]]:
    tokens, starts = [], []
    for match in _TOKEN.finditer(text):
        tokens.append(match.group())
        starts.append(match.start())
    return tokens, starts


def map_span(old_text: str, new_text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where ``old_text[start:end]`` went in ``new_text``, by a word-level diff; None if it was deleted.

    The common head and tail of the two texts are set aside first, so a local
    edit diffs only the few words around it.
    """
    head = 0
    limit = min(len(old_text), len(new_text))
    while head < limit and old_text[head] == new_text[head]:
        head += 1
    tail = 0
    while tail < limit - head and old_text[-1 - tail] == new_text[-1 - tail]:
        tail += 1
    old_mid_end, new_mid_end = len(old_text) - tail, len(new_text) - tail
    if end <= head:
        return start, end
    if start >= old_mid_end:
        shift = new_mid_end - old_mid_end
        return start + shift, end + shift
    old_tokens, old_starts = _tokens(old_text[head:old_mid_end])
    new_tokens, new_starts = _tokens(new_text[head:new_mid_end])
    opcodes = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False).get_opcodes()
    new_len = new_mid_end - head

    def new_offset(j: int) -> int:
        return new_starts[j] if j < len(new_starts) else new_len

    def position(pos: int, is_end: bool) -> int | None:
        if pos <= head:
            return pos
        if pos >= old_mid_end:
            return pos + new_mid_end - old_mid_end
        local = pos - head
        i = bisect.bisect_right(old_starts, local) - 1
        within = local - old_starts[i]
        for tag, i1, i2, j1, j2 in opcodes:
            if i1 <= i < i2:
                if tag == "equal":
                    return head + new_starts[j1 + i - i1] + within
                if is_end:
                    return head + new_offset(j2) if j2 > j1 else None
                return head + new_offset(j1) if j2 > j1 else None
        return None

    new_start, new_end = position(start, False), position(end, True)
    if new_start is None and new_end is None:
        return None
    if new_start is None:
        new_start = max(0, new_end - (end - start))
    if new_end is None:
        new_end = min(len(new_text), new_start + (end - start))
    return (new_start, new_end) if new_end > new_start else None
