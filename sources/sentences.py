"""Which sentences of a source text are substantive, i.e. should be cited by some claim.

Pure logic, no Django: ``curation_report``, the source admin's "uncited passages"
panel and the tests share this one rule, so an editor sees the same gaps the
report counts.

The rule, applied to the stored text without changing it (offsets stay exact):

1. Markup is masked, not removed: MediaWiki ``<ref>…</ref>`` (the source's own
   references), ``[[File:…]]`` (figures and their captions), ``[[links]]``,
   ``{{templates}}``, HTML tags, ``__MAGIC__`` words and ``==heading==`` runs.
2. Each line is split into sentences at ``.``, ``!`` or ``?`` (optionally
   followed by closing quotes or brackets) followed by whitespace and a capital,
   digit or opening quote; "U.S. plane" is not split.
3. A sentence is **substantive** when it has at least five words of prose and
   ends with ``.`` or ``!`` (a line without final punctuation is a title, heading,
   byline, caption or navigation entry); questions (rhetorical in these sources)
   and credit lines (with ``©``) are not.
"""

import bisect
import hashlib
import itertools
import re
from dataclasses import dataclass

from . import wikitext

MIN_WORDS = 5

_SENTENCE_END = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+[\"“‘'(A-Z0-9]|\s*$)")
_WORD = re.compile(r"[A-Za-z0-9][\w’'-]*")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str

    def overlaps(self, start: int, end: int) -> bool:
        return start < self.end and end > self.start


def mask_markup(text: str) -> str:
    """The text with markup replaced by spaces: same length, so offsets still hold."""
    masked = text
    for pattern in wikitext.MARKUP:
        masked = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), masked)
    return masked


def _is_substantive(sentence: str) -> bool:
    stripped = sentence.rstrip("\"”’')] ")
    if not stripped.endswith((".", "!")):
        return False
    if "©" in sentence:
        return False
    return len(_WORD.findall(sentence)) >= MIN_WORDS


def split_sentences(text: str) -> list[Sentence]:
    """Every sentence-like run of prose, markup masked, with its offsets in ``text``."""
    masked = mask_markup(text)
    sentences = []
    offset = 0
    for line in masked.split("\n"):
        pos = 0
        for match in _SENTENCE_END.finditer(line):
            sentences.extend(_piece(text, offset, line, pos, match.end()))
            pos = match.end()
        sentences.extend(_piece(text, offset, line, pos, len(line)))
        offset += len(line) + 1
    return sentences


def _piece(text: str, offset: int, line: str, start: int, end: int) -> list[Sentence]:
    chunk = line[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    body = chunk.strip()
    if not body:
        return []
    s = offset + start + lead
    e = s + len(body)
    return [Sentence(s, e, " ".join(line[start + lead : start + lead + len(body)].split()))]


def substantive_sentences(text: str) -> list[Sentence]:
    return [s for s in split_sentences(text) if _is_substantive(s.text)]


@dataclass(frozen=True)
class Coverage:
    sentences: list[Sentence]
    cited: list[Sentence]
    uncited: list[Sentence]

    @property
    def percent(self) -> float:
        return 100.0 * len(self.cited) / len(self.sentences) if self.sentences else 100.0


def cached_substantive_sentences(text: str) -> list[Sentence]:
    """``substantive_sentences``, kept in the cache under the text's SHA-256.

    The split depends on the text alone, so the key needs no cache tag:
    a citation added anywhere does not make every source's text be split again
    (under a steady stream of edits that made ``/sources/`` the slowest page).
    """
    from django.conf import settings
    from django.core.cache import cache

    key = "sentences:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    sentences = cache.get(key)
    if sentences is None:
        sentences = substantive_sentences(text)
        cache.set(key, sentences, timeout=settings.KB_CACHE_SECONDS)
    return sentences


def coverage(text: str, spans: list[tuple[int, int]]) -> Coverage:
    """Which substantive sentences at least one cited span overlaps."""
    sentences = cached_substantive_sentences(text)
    ordered = sorted(spans)
    starts = [start for start, _ in ordered]
    furthest = list(itertools.accumulate((end for _, end in ordered), max))  # furthest end among the first k spans
    cited, uncited = [], []
    for sentence in sentences:
        # The spans starting before the sentence ends overlap it if the furthest-reaching one ends after it starts
        # (Sentence.overlaps, for all spans at once: O(log n) per sentence instead of O(n)).
        k = bisect.bisect_left(starts, sentence.end)
        if k and furthest[k - 1] > sentence.start:
            cited.append(sentence)
        else:
            uncited.append(sentence)
    return Coverage(sentences, cited, uncited)
