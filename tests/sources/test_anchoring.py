import pytest

from sources import anchoring

TEXT = "Stalin died in 1953. Khrushchev rose. Khrushchev fell in 1964. He died in 1971."


def test_unique_quote_is_anchored():
    found = anchoring.anchor(TEXT, "Khrushchev fell in 1964.")
    assert TEXT[found.start : found.end] == "Khrushchev fell in 1964."


def test_ambiguous_quote_lists_its_offsets():
    with pytest.raises(anchoring.QuoteAmbiguous) as exc:
        anchoring.anchor(TEXT, "Khrushchev")
    assert exc.value.starts == [21, 38]
    assert "occurs 2 times" in str(exc.value)


def test_ambiguous_quote_is_disambiguated_by_offset():
    found = anchoring.anchor(TEXT, "Khrushchev", start=38)
    assert (found.start, found.end) == (38, 48)


def test_wrong_offset_is_refused_and_says_where_the_quote_is():
    with pytest.raises(anchoring.QuoteNotAtOffset, match="it occurs at 21, 38"):
        anchoring.anchor(TEXT, "Khrushchev", start=5)


def test_missing_quote_shows_the_closest_passage():
    with pytest.raises(anchoring.QuoteNotFound) as exc:
        anchoring.anchor(TEXT, "Khrushchev fell in 1965.")
    assert exc.value.closest == "Khrushchev fell in 1964."
    assert "closest passage is 'Khrushchev fell in 1964.'" in str(exc.value)


def test_empty_quote_is_refused():
    with pytest.raises(anchoring.AnchorError, match="empty"):
        anchoring.anchor(TEXT, "")


def test_follow_keeps_a_unique_passage_after_an_edit_before_it():
    new = "Joseph " + TEXT
    followed = anchoring.follow(TEXT, new, "Khrushchev fell in 1964.", 38)
    assert followed.outcome == anchoring.KEPT
    assert new[followed.start : followed.end] == "Khrushchev fell in 1964."


def test_follow_keeps_the_one_occurrence_whose_context_agrees():
    old = "In Moscow the Presidium met at noon. Later, in Kyiv, the Presidium met at dusk."
    new = "In Moscow today the Presidium met at noon. Later, in Kyiv, the Presidium met at dusk."
    second = old.rindex("the Presidium met")
    followed = anchoring.follow(old, new, "the Presidium met", second)
    assert (followed.outcome, followed.start) == (anchoring.KEPT, new.rindex("the Presidium met"))


def test_follow_flags_when_a_copy_of_the_passage_appears():
    old = "Khrushchev fell in 1964. Brezhnev rose."
    new = "Khrushchev fell in 1964. Khrushchev fell in 1964. Brezhnev rose."
    followed = anchoring.follow(old, new, "Khrushchev fell in 1964.", 0)
    assert followed.outcome == anchoring.REVIEW and "occurs 2 times" in followed.reason


def test_follow_flags_a_changed_passage_with_its_new_words():
    new = TEXT.replace("Khrushchev fell in 1964.", "Khrushchev fell in October 1964.")
    followed = anchoring.follow(TEXT, new, "Khrushchev fell in 1964.", 38)
    assert followed.outcome == anchoring.REVIEW
    assert followed.quote == "Khrushchev fell in October 1964." == new[followed.start : followed.end]


def test_follow_refuses_when_the_passage_is_gone():
    new = TEXT.replace("Khrushchev fell in 1964.", "Everything changed at once, abruptly.")
    followed = anchoring.follow(TEXT, new, "Khrushchev fell in 1964.", 38)
    assert followed.outcome == anchoring.REFUSED and followed.start is None


def test_map_span_follows_words_through_a_diff():
    old = "Alpha beta gamma. Delta epsilon zeta."
    new = "Alpha beta, and gamma. Delta epsilon zeta."
    start = old.index("Delta")
    assert anchoring.map_span(old, new, start, start + 5) == (new.index("Delta"), new.index("Delta") + 5)
    assert anchoring.map_span(old, new, 0, 5) == (0, 5)


def test_follow_flags_the_same_words_written_elsewhere_when_the_passage_is_gone():
    """Found by review: the only occurrence, before and after, is not enough when the passage was rewritten."""
    old = "Beria was arrested by Malenkov, and he was executed for treason. Nothing else happened."
    new = "Rumour had it that he was executed in secret. Beria was arrested by Malenkov, and he was exiled for treason."
    start = old.index("he was executed")
    followed = anchoring.follow(old, new, "he was executed", start)
    assert followed.outcome == anchoring.REVIEW
