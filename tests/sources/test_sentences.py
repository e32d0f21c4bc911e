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


def test_coverage_marks_exactly_the_sentences_some_span_overlaps():
    """The sweep in coverage() agrees with Sentence.overlaps checked span by span (hypothesis)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from sources.sentences import coverage, substantive_sentences

    text = " ".join(f"Sentence number {i} says something about the Presidium in {1953 + i}." for i in range(30))
    sentences = substantive_sentences(text)
    span = st.tuples(st.integers(0, len(text)), st.integers(1, 200)).map(lambda p: (p[0], p[0] + p[1]))

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(st.lists(span, max_size=40))
    def check(spans):
        expected = [s for s in sentences if any(s.overlaps(a, b) for a, b in spans)]
        assert coverage(text, spans).cited == expected

    check()
