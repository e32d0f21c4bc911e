from sources.sentences import coverage, mask_markup, split_sentences, substantive_sentences

WIKI = (
    "__NOTOC__\n"
    "[[File:K.jpg|thumbnail|left|Khrushchev in 1959 at a [[Moscow]] meeting]]\n"
    "====Rise to power====\n"
    "Khrushchev became First Secretary in 1953. The U.S. plane was shot down in May 1960.<ref>A - http://x</ref>\n"
    "What was going on here?\n"
    "Photos of European countries to visit\n"
    '"USSR" © Emmanuel BUCHOT, Encarta, Wikipedia.\n'
)


def test_markup_is_masked_without_moving_offsets():
    masked = mask_markup(WIKI)
    assert len(masked) == len(WIKI)
    assert "File" not in masked and "ref" not in masked and "Rise to power" not in masked
    assert masked.index("Khrushchev became") == WIKI.index("Khrushchev became")


def test_substantive_sentences_follow_the_rule():
    texts = [s.text for s in substantive_sentences(WIKI)]
    assert texts == [
        "Khrushchev became First Secretary in 1953.",
        "The U.S. plane was shot down in May 1960.",
    ]


def test_offsets_point_at_the_sentence():
    for sentence in split_sentences(WIKI):
        assert " ".join(WIKI[sentence.start : sentence.end].split()) == sentence.text


def test_coverage_counts_sentences_overlapped_by_a_citation():
    start = WIKI.index("plane was shot")
    result = coverage(WIKI, [(start, start + 14)])
    assert [s.text for s in result.cited] == ["The U.S. plane was shot down in May 1960."]
    assert [s.text for s in result.uncited] == ["Khrushchev became First Secretary in 1953."]
    assert result.percent == 50.0
