"""The MediaWiki markup the DailyHistory.org captures hold, as patterns: one definition for the sentence rule
(``sentences.py``, which masks markup) and the reading view (``reading.py``, which renders it).

Pure logic, no Django.
"""

import re

# <ref>…</ref>: a footnote (the source's own reference); group 1 is its text. "/" is excluded from the opening
# tag so that a self-closing <ref name="x"/> is never read as the start of one.
REF = re.compile(r"<ref[^>/]*>(.*?)</ref>", re.S)
REF_EMPTY = re.compile(r"<ref[^>]*/>")
# [[File:name|options|caption]]: a figure; group 1 the file name, group 2 the "|…" parameters (captions may
# hold [[links]]).
FIGURE = re.compile(r"\[\[(?:File|Image):([^|\]]+)((?:\|(?:[^\[\]|]|\[\[[^\]]*\]\])*)*)\]\]", re.I)
# Figure parameters that are layout, not caption.
FIGURE_OPTION = re.compile(
    r"^(thumb|thumbnail|frame|frameless|border|left|right|center|centre|none|upright(=[\d.]+)?|\d+(x\d+)?px)$",
    re.I,
)
# [[target]] or [[target|shown text]]
LINK = re.compile(r"\[\[([^\[\]|]+)(?:\|([^\[\]]*))?\]\]")
TEMPLATE = re.compile(r"\{\{.*?\}\}", re.S)
# Only the tags MediaWiki pages use: "<Jerry>" in prose is text, not markup.
HTML_TAG = re.compile(
    r"</?(?:div|span|references|dh-[a-z-]+|br|p|small|big|center|font|table|tr|td|th|gallery|nowiki"
    r"|sup|sub|u|s|i|b|em|strong|blockquote|poem)\b[^<>]*>",
    re.I,
)
MAGIC_WORD = re.compile(r"__[A-Z]+__")
# ==Heading==; group 2 the heading's text.
HEADING = re.compile(r"(={2,6})([^=\n]+?)\1")
STRAY_EQUALS = re.compile(r"={2,}")

# Everything that is markup rather than prose, in the order it must be recognised.
MARKUP = [REF, REF_EMPTY, FIGURE, LINK, TEMPLATE, HTML_TAG, MAGIC_WORD, HEADING, STRAY_EQUALS]
