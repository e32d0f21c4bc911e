"""The reading view: markup rendered, passages highlighted with their exact words and a link back."""

import re

from bs4 import BeautifulSoup

from sources.reading import Passage, render


def norm(text):
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


def passage(text, quote, pid, start=None):
    s = text.index(quote) if start is None else start
    return Passage(pid, s, s + len(quote), f"/claims/{pid}/", f"Claim {pid}")


def element(html, pid):
    return BeautifulSoup(f"<div>{html}</div>", "html.parser").find(id=f"cite-{pid}")


def check(text, passages):
    out = render(text, passages)
    for p in passages:
        el = element(out.html, p.id)
        assert el is not None, p
        assert norm(text[p.start : p.end]) in norm(el.get_text()), (p, el.get_text())
        assert el.find("a", href=p.href) is not None
    return out


def test_plain_text_is_escaped_and_kept():
    out = render("Tom & <Jerry> said “hi”.", [])
    assert "Tom &amp; &lt;Jerry&gt; said “hi”." in out.html


def test_nested_same_and_crossing_passages_each_get_one_element():
    text = "Khrushchev was ousted in October 1964 by the Presidium, led by Brezhnev."
    a = passage(text, "Khrushchev was ousted in October 1964", 1)
    b = passage(text, "ousted in October 1964", 2)  # nested in a
    c = passage(text, "ousted in October 1964", 3)  # same span as b
    d = passage(text, "October 1964 by the Presidium", 4)  # crosses a
    out = check(text, [a, b, c, d])
    assert out.html.count('id="cite-') == 4


def test_exact_passage_has_no_extra_words_when_nested():
    text = "One two three four five six."
    out = check(text, [passage(text, "two three four", 1), passage(text, "three", 2)])
    assert norm(element(out.html, 1).get_text()) == "two three four"


def test_wiki_markup_is_rendered():
    text = (
        "__NOTOC__\n[[File:K_1959.jpg|thumbnail|left|250px|Khrushchev in 1959]]\n"
        "====Rise to power====\nHe rose.<ref>Source - https://example.org/x</ref> Then [[Moscow|the capital]] cheered."
        '{{Template}}<div class="portal">x</div>'
    )
    out = render(text, [])
    soup = BeautifulSoup(out.html, "html.parser")
    assert soup.find(class_="wiki-heading").get_text() == "Rise to power"
    assert soup.find(class_="figure-caption").get_text() == "Khrushchev in 1959"
    assert out.figures == ["K_1959.jpg"]
    assert out.footnotes == [
        'Source - <a href="https://example.org/x" rel="nofollow noopener noreferrer">https://example.org/x</a>'
    ]
    assert soup.find("a", href="#footnote-1")
    assert "the capital" in soup.get_text() and "Moscow" not in soup.get_text()
    for hidden in ("__NOTOC__", "[[", "====", "<ref>", "{{", "portal"):
        assert hidden not in soup.get_text()


def test_passage_inside_a_figure_caption_is_highlighted():
    text = "[[File:K.jpg|thumb|Khrushchev, Tereshkova and Gagarin in 1963]]\nText follows here."
    check(text, [passage(text, "Khrushchev, Tereshkova and Gagarin in 1963", 9)])


def test_markup_a_passage_quotes_is_shown_literally():
    text = "Before ====Heading==== after words."
    check(text, [passage(text, "Before ====Heading", 5)])


def test_redactions_are_marked_not_filled():
    text = "Khrushchev, as the first secretary of ***, became leader."
    out = check(text, [passage(text, "first secretary of ***, became leader", 1)])
    red = BeautifulSoup(out.html, "html.parser").find(class_="redaction")
    assert red.get_text() == "***"
    assert "removed" in red["title"]


def test_trailing_navigation_is_marked_as_page_furniture():
    text = "Title\n\nKhrushchev was ousted in October 1964 by the Presidium.\n\nPhotos of Spain\nPhotos Informations\n"
    soup = BeautifulSoup(render(text, []).html, "html.parser")
    assert "Photos of Spain" in soup.find(class_="source-navigation").get_text()
    assert "Title" in soup.find(class_="source-chrome").get_text()
