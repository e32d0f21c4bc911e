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


def test_reanchor_follows_an_edit_before_the_quote():
    new = "Joseph " + TEXT
    found = anchoring.reanchor(TEXT, new, "Khrushchev fell in 1964.", 38)
    assert new[found.start : found.end] == "Khrushchev fell in 1964."


def test_reanchor_picks_the_occurrence_whose_context_matches():
    old = "In Moscow the Presidium met. Later, in Kyiv, the Presidium met."
    new = "In Moscow today the Presidium met. Later, in Kyiv, the Presidium met."
    second = old.rindex("the Presidium met")
    found = anchoring.reanchor(old, new, "the Presidium met", second)
    assert found.start == new.rindex("the Presidium met")


def test_reanchor_refuses_when_the_quote_is_gone():
    with pytest.raises(anchoring.QuoteNotFound):
        anchoring.reanchor(TEXT, TEXT.replace("fell", "was removed"), "Khrushchev fell in 1964.", 38)
