"""What the assistant reads in a sentence or a claim: its content words, years, numbers, offices and outcomes.

Plain rules, no model: they decide *how* a sentence differs from a claim on the same subject (a date, a
number, a title, an outcome, a negation) and say it in words an editor can check.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from core import period
from core.edtf_dates import MONTHS

WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
YEAR = re.compile(r"\b(1[89]\d\d)(?:s\b)?")
STOPWORDS = frozenset(
    """a about above after again against all also although am among an and any are as at be because been before
    being between both but by can could did do does during each even ever few for from further had has have having
    he her here hers him himself his how however i if in into is it its itself just later many may me might more
    most much must my no nor not now of off on once one only or other our out over own per same she should since so
    some such than that the their theirs them then there these they this those though through thus to too under
    until up upon very was we were what when where whether which while who whom whose why will with within without
    would yet you your soviet union ussr khrushchev nikita sergeyevich""".split()  # noqa: SIM905 - reads as text
)

# Numbers written as words, as sources write them ("two million", "thousands of").
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "million": 1_000_000,
}  # fmt: skip
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
SCALES |= {f"{word}s": value for word, value in SCALES.items()}  # "thousands of labourers"
SCALES["tens"] = 10  # "tens of thousands"

# Offices, each with the ways sources name it; two different offices for one subject are a contradiction.
OFFICES = {
    "First Secretary": ("first secretary",),
    "General Secretary": ("general secretary", "secretary general"),
    "head of government (premier)": (
        "premier",
        "prime minister",
        "chairman of the council of ministers",
        "head of government",
    ),
    "head of state": ("head of state", "chairman of the presidium of the supreme soviet", "president"),
    "Minister of Defence": ("minister of defence", "minister of defense", "defence minister", "defense minister"),
}

# Outcomes that exclude each other when said of the same subject. Only specific ones: "triumph" against
# "failure", or "moderate" against "virulent", are said of so many different things that they made more false
# contradictions than true ones.
OUTCOMES = [
    ({"captured", "imprisoned", "survived", "alive"}, {"died", "killed", "dead"}),
    ({"accepted", "agreed", "approved"}, {"rejected", "refused", "declined"}),
    ({"increased", "rose", "grew", "doubled"}, {"decreased", "fell", "declined", "dropped", "shrank"}),
    ({"independence", "independent"}, {"autonomy", "autonomous"}),
    ({"voluntary", "volunteers", "volunteered"}, {"forced", "compelled", "deported"}),
    ({"resigned", "retired"}, {"removed", "ousted", "dismissed", "deposed", "forced"}),
]

_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "s", "ly")


def stem(word: str) -> str:
    """A crude stem, enough to meet "executed" with "execution" and "troops" with "troop"."""
    word = word.lower().replace("’", "'").removesuffix("'s")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:7]


_CLAUSE_BREAK = re.compile(r"[;:()]|,(?!\d)|\s(?:and|but|while|whereas|which|who|when|after|before|because|although)\s")
MIN_CLAUSE_WORDS = 4


def clauses(text: str) -> list[str]:
    """The sentence's clauses of four words or more, when it has more than one.

    (Neighbouring clauses read together as well cost twice the encoding and found nothing more.)
    """
    parts = [p.strip() for p in _CLAUSE_BREAK.split(text) if len(WORD.findall(p)) >= 2]
    if len(parts) < 2:
        return []
    return [p for p in parts if len(WORD.findall(p)) >= MIN_CLAUSE_WORDS]


# Where a sentence's dates and numbers stop applying: "when" and "while" clauses share their main clause's time.
_PART_BREAK = re.compile(
    r"[;:()]|,(?!\d|\s+(?:when|while)\b)|\s(?:and|but|whereas|which|who|after|before|because|although)\s"
)


def parts(text: str) -> list[str]:
    """The whole sentence cut where its dates and numbers stop applying, every word kept: a fragment under four
    words joins the part before it ("in 1956 and 1958"), or, opening the sentence, the part after it ("On 14
    October 1964, …").

    A sentence often says several things, each with its own date or number ("he put down the Anti-Party
    Group, and became premier in 1958"): a date or a number differs only in the part that speaks of the claim.
    """
    cuts = [0, *(m.start() for m in _PART_BREAK.finditer(text)), len(text)]
    pieces: list[str] = []
    carry = ""
    for a, b in zip(cuts, cuts[1:], strict=False):
        piece = carry + text[a:b]
        carry = ""
        if len(WORD.findall(piece)) >= MIN_CLAUSE_WORDS:
            pieces.append(piece)
        elif pieces:
            pieces[-1] += piece
        else:
            carry = piece  # the sentence opens with a fragment: it belongs to what follows
    if carry:
        pieces.append(carry)
    return [piece.strip(" ,;:") for piece in pieces] or [text]


_PERSONAL_OPENING = re.compile(r"(?P<mark>[\"“‘(]?)(?P<pronoun>He|She|His|Her|They|Their)\b")


def resolved(text: str, names: list[str]) -> list[str]:
    """The sentence read with its opening personal pronoun as each of ``names`` ("He was jailed and shot" →
    "Lavrentiy Beria was jailed and shot"), [] when it opens otherwise: who "he" is, the sentence alone
    does not say, and the claims do."""
    text = text.lstrip()
    found = _PERSONAL_OPENING.match(text)
    if not found or not names:
        return []
    possessive = "’s" if found["pronoun"] in ("His", "Her", "Their") else ""
    return [f"{found['mark']}{name}{possessive}{text[found.end() :]}" for name in names]


def content_words(text: str) -> set[str]:
    return {stem(w) for w in WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 2}


def years(text: str) -> set[int]:
    return {int(y) for y in YEAR.findall(text) if period.FIRST_YEAR - 60 <= int(y) <= period.LAST_YEAR + 30}


class Quantity(NamedTuple):
    """A number as a source gives it: exact (600,000: low == high) or a range ("seven or eight million",
    "thousands")."""

    low: float
    high: float

    def agrees(self, other: Quantity) -> bool:
        """Whether the two could be the same count: their ranges meet, an exact figure give or take a quarter
        ("more than a million" agrees with 1.2 million; "thousands" does not with 100,000)."""
        (a, b), (c, d) = self._widened(), other._widened()
        return a <= d and c <= b

    def _widened(self) -> tuple[float, float]:
        margin = AGREEING**0.5  # on each side: two exact figures agree when within a quarter of each other
        return (self.low / margin, self.high * margin) if self.low == self.high else (self.low, self.high)

    def __str__(self) -> str:
        return _figure(self.low) if self.low == self.high else f"{_figure(self.low)}–{_figure(self.high)}"


AGREEING = 1.25
_MONTH = f"(?:{'|'.join(MONTHS)})"
_DAY_OF_MONTH = re.compile(rf"\b\d{{1,2}}\s+{_MONTH}\b|\b{_MONTH}\s+\d{{1,2}}\b")
# An ordinal; a figure grouped by commas (which may end a sentence: "cut by 600,000."); a figure; a word, with
# its hyphens ("twenty-five"; "thirty-year", which is not a quantity).
_QUANTITY_TOKEN = re.compile(
    r"\d+(?:st|nd|rd|th)\b|\d{1,3}(?:,\d{3})+(?!\d|[.,]\d)|\d+(?:\.\d+)?|[A-Za-z]+(?:-[A-Za-z]+)*"
)
_FIGURE_RANGE = re.compile(r"(\d)\s*[–-]\s*(\d)")  # "2–3 million" is "2 to 3 million"
_RANGE_WORDS = {"or", "to"}  # "seven or eight million", "two to three thousand"
_VAGUE = {"several", "few", "many"}  # "several million": from two to nine


def numbers(text: str) -> set[Quantity]:
    """Quantities (not years, not days of a month): "100,000", "1.2 million", "seven or eight million",
    "thousands" (a few thousand: 2,000 to 9,990), "hundreds of thousands"; not one the text denies ("thousands
    were released, not millions")."""
    text = _FIGURE_RANGE.sub(r"\1 to \2", _DAY_OF_MONTH.sub(" ", text))
    tokens = [t.lower() for t in _QUANTITY_TOKEN.findall(text)]
    values = [_value(t) for t in tokens]
    found: set[Quantity] = set()
    i = 0
    while i < len(tokens):
        quantity, after = _quantity_at(tokens, values, i)
        if quantity is not None and not _denied(tokens, i):
            found.add(quantity)
        i = after
    return found


def _quantity_at(tokens: list[str], values: list, i: int) -> tuple[Quantity | None, int]:
    """The quantity that starts at ``tokens[i]`` (None if none does), and the index after it."""
    word, value = tokens[i], values[i]
    following = tokens[i + 1] if i + 1 < len(tokens) else ""
    if _is_year(word):
        return None, i + 1
    if word == "half" and following == "a" and i + 2 < len(tokens) and tokens[i + 2] in SCALES:  # "half a million"
        scale, after = _scale(tokens, i + 2)
        return Quantity(scale / 2, scale / 2), after
    if value is not None and word not in SCALES and following in SCALES:  # "2 million", "two million"
        scale, after = _scale(tokens, i + 1)
        return Quantity(value * scale, value * scale), after
    if (  # "seven or eight million"
        value is not None
        and following in _RANGE_WORDS
        and i + 3 < len(tokens)
        and word not in SCALES
        and values[i + 2] is not None
        and tokens[i + 2] not in SCALES
        and not _is_year(tokens[i + 2])
        and tokens[i + 3] in SCALES
    ):
        low, high = sorted((value, values[i + 2]))
        scale, after = _scale(tokens, i + 3)
        return Quantity(low * scale, high * scale), after
    if word in _VAGUE and following in SCALES:  # "several million"
        scale, after = _scale(tokens, i + 1)
        return Quantity(2 * scale, 9 * scale), after
    if word in SCALES:  # "a million"; "thousands" (a few of them), "hundreds of thousands"
        most = 9.99 if word.endswith("s") else 0
        scale, after = _scale(tokens, i)
        return (Quantity(2 * scale, most * scale) if most else Quantity(scale, scale)), after
    if value is not None and value >= 10:
        return Quantity(value, value), i + 1
    return None, i + 1


def _is_year(token: str) -> bool:
    return token.isdigit() and len(token) == 4 and 1800 <= int(token) <= 2100


_DENYING = (["not"], ["never"], ["rather", "than"], ["instead", "of"])


def _denied(tokens: list[str], i: int) -> bool:
    """Whether the quantity at ``tokens[i]`` follows "not", "never", "rather than" or "instead of"."""
    return any(tokens[max(0, i - len(words)) : i] == words for words in _DENYING)


def _scale(tokens: list[str], i: int) -> tuple[float, int]:
    """The product of the scale words from ``tokens[i]`` on ("hundred thousand", "hundreds of thousands"),
    and the index after them."""
    scale = 1
    while i < len(tokens) and tokens[i] in SCALES:
        scale *= SCALES[tokens[i]]
        i += 1
        if i + 1 < len(tokens) and tokens[i] == "of" and tokens[i + 1] in SCALES:
            i += 1
    return scale, i


def _value(token: str) -> float | None:
    if token[-1].isalpha() and token[0].isdigit():
        return None  # an ordinal: "the 20th Congress"
    if token[0].isdigit():
        number = float(token.replace(",", ""))
        return int(number) if number.is_integer() else number
    if "-" in token:  # "twenty-five"; not "thirty-year"
        parts = [NUMBER_WORDS.get(part) for part in token.split("-")]
        return None if None in parts else sum(parts)
    return NUMBER_WORDS.get(token)


def _figure(value: float) -> str:
    if value >= 10000:
        return f"{value:,.0f}"
    return f"{value:g}"


def offices(text: str) -> set[str]:
    lowered = " ".join(text.lower().split())
    return {office for office, names in OFFICES.items() if any(re.search(rf"\b{n}\b", lowered) for n in names)}


def outcomes(words: set[str]) -> list[tuple[int, int, set[str]]]:
    """(pair index, side, the words) for each outcome pair the words take a side in."""
    sides = []
    for index, (one, other) in enumerate(OUTCOMES):
        for side, vocabulary in enumerate((one, other)):
            hit = vocabulary & words
            if hit:
                sides.append((index, side, hit))
    return sides


@dataclass
class Reading:
    """One text as the assistant reads it."""

    text: str
    words: set[str] = field(default_factory=set)  # content-word stems
    plain: set[str] = field(default_factory=set)  # lower-cased words, as written
    years: set[int] = field(default_factory=set)
    numbers: set[Quantity] = field(default_factory=set)
    offices: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, text: str, extra_years: Iterable[int] = ()) -> Reading:
        plain = {w.lower() for w in WORD.findall(text)}
        return cls(
            text=text,
            words=content_words(text),
            plain=plain,
            years=years(text) | set(extra_years),
            numbers=numbers(text),
            offices=offices(text),
        )


def idf_weights(documents: Iterable[set[str]]) -> dict[str, float]:
    counts: dict[str, int] = {}
    total = 0
    for words in documents:
        total += 1
        for word in words:
            counts[word] = counts.get(word, 0) + 1
    return {word: math.log(1 + total / n) for word, n in counts.items()}


def overlap(sentence: set[str], claim: set[str], idf: dict[str, float]) -> float:
    """How much of the claim's content (weighted by rarity) the sentence says: 0 to 1."""
    if not claim:
        return 0.0
    total = sum(idf.get(w, 1.0) for w in claim)
    return sum(idf.get(w, 1.0) for w in claim & sentence) / total


NEAR_YEARS = 5  # two dates further apart than this are about different things, not a disagreement


def differences(sentence: Reading, claim: Reading, part: Reading | None = None) -> list[str]:
    """How the sentence disagrees with the claim, each as a short reason; [] when nothing checkable differs.

    ``part``: the part of the sentence that speaks of the claim (``parts``), whose dates and numbers are
    compared (a title or an outcome is compared across the whole sentence).

    A "not" on one side only is not taken for a disagreement: sources say "if not its exact wording" and
    "could not shake" of things they agree on, and it made more false contradictions than it found.
    """
    reasons = []
    scoped = part or sentence
    if (
        scoped.years
        and claim.years
        and not scoped.years & claim.years
        and min(abs(a - b) for a in scoped.years for b in claim.years) <= NEAR_YEARS
    ):
        reasons.append(f"dates differ: {_listed(scoped.years)} here, {_listed(claim.years)} in the claim")
    if (
        scoped.numbers
        and claim.numbers
        and not any(mine.agrees(theirs) for mine in scoped.numbers for theirs in claim.numbers)
    ):
        reasons.append(f"numbers differ: {_listed(scoped.numbers)} here, {_listed(claim.numbers)} in the claim")
    if sentence.offices and claim.offices and not sentence.offices & claim.offices:
        reasons.append(
            f"titles differ: {', '.join(sorted(sentence.offices))} here, {', '.join(sorted(claim.offices))} "
            "in the claim"
        )
    mine = {(index, side): hit for index, side, hit in outcomes(sentence.plain)}
    theirs = {(index, side): hit for index, side, hit in outcomes(claim.plain)}
    for (index, side), hit in mine.items():
        if (index, 1 - side) in theirs and (index, side) not in theirs:
            reasons.append(
                f"outcome differs: “{'/'.join(sorted(hit))}” here, “{'/'.join(sorted(theirs[index, 1 - side]))}” "
                "in the claim"
            )
    return reasons


def _listed(values: set) -> str:
    return ", ".join(f"{v:,}" if isinstance(v, int) and v >= 10000 else str(v) for v in sorted(values))
