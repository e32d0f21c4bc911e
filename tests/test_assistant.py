"""The evidence assistant: what it reads in sentences, what it suggests, the admin actions, its vectors."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assistant import analysis, encoder
from assistant.models import ClaimVector
from sources import services
from sources.models import Citation, Claim, Conflict, Source
from tests.conftest import cite, make_claim, make_source

DATA = Path(__file__).parent / "data" / "assistant"
SIXTH = (DATA / "sixth_source.txt").read_text(encoding="utf-8")

needs_model = pytest.mark.skipif(
    not encoder.available(), reason="the [assistant] extra (sentence-transformers and its model) is not installed"
)

# --------------------------------------------------------------------------- reading a sentence


def test_numbers_years_and_offices_are_read_as_sources_write_them():
    Q = analysis.Quantity
    assert analysis.numbers("In 1958 alone some 600,000 servicemen went back to civilian life.") == {
        Q(600_000, 600_000)
    }
    assert analysis.numbers("He demobilised two million men and 300,000 more on 14 March 1958.") == {
        Q(2_000_000, 2_000_000),
        Q(300_000, 300_000),
    }
    assert analysis.numbers("the 20th Party Congress met on October 14") == set()  # an ordinal, a day
    assert analysis.years("from the 1950s to 1964") == {1950, 1964}
    assert analysis.offices("Khrushchev was First Secretary, not General Secretary.") == {
        "First Secretary",
        "General Secretary",
    }
    assert analysis.offices("the Chairman of the Council of Ministers") == analysis.offices("the premier")


def test_quantities_are_read_with_their_scale_and_their_vagueness():
    Q = analysis.Quantity
    assert analysis.numbers("a further 1.2 million servicemen") == {Q(1_200_000, 1_200_000)}
    assert analysis.numbers("more than 2 million servicemen") == {Q(2_000_000, 2_000_000)}  # not "a million"
    assert analysis.numbers("seven or eight million were released") == {Q(7_000_000, 8_000_000)}
    assert analysis.numbers("several million prisoners") == {Q(2_000_000, 9_000_000)}
    assert analysis.numbers("millions died") == {Q(2_000_000, 9_990_000)}
    assert analysis.numbers("thousands of laborers") == {Q(2000, 9990)}
    assert analysis.numbers("hundreds of thousands") == {Q(200_000, 999_000)}
    assert analysis.numbers("a hundred thousand volunteers") == {Q(100_000, 100_000)}
    assert analysis.numbers("The army was cut by 600,000.") == {Q(600_000, 600_000)}  # at a sentence's end
    assert analysis.numbers("It fell by 640,000 in 1955 and 1.2 million in 1956.") == {
        Q(640_000, 640_000),
        Q(1_200_000, 1_200_000),
    }  # a year is never one end of a range
    assert analysis.numbers("from 2.5 million in 1953 to 1 million in 1956") == {
        Q(2_500_000, 2_500_000),
        Q(1_000_000, 1_000_000),
    }
    assert analysis.numbers("2–3 million") == analysis.numbers("two or three million") == {Q(2_000_000, 3_000_000)}
    assert analysis.numbers("one or two million") == {Q(1_000_000, 2_000_000)}
    assert analysis.numbers("twenty-five thousand, sixty thousand") == {Q(25_000, 25_000), Q(60_000, 60_000)}
    assert analysis.numbers("tens of thousands") == {Q(20_000, 99_900)}
    assert analysis.numbers("half a million") == {Q(500_000, 500_000)}
    assert analysis.numbers("a thirty-year rule from 1955–1957") == set()
    # a quantity the sentence denies is not one it gives
    assert analysis.numbers("Thousands were released, not millions.") == {Q(2000, 9990)}
    assert analysis.numbers("1,200 rather than 2,000 men") == {Q(1200, 1200)}

    def differ(one: str, other: str) -> list[str]:
        return analysis.differences(analysis.Reading.of(one), analysis.Reading.of(other))

    assert differ("More than a million prisoners were freed.", "1.2 million prisoners were freed.") == []
    # two exact figures agree within a quarter of each other, not more
    assert differ("640,000 men were demobilised.", "1,000,000 men were demobilised.") != []
    assert differ("1.2 million men were demobilised.", "1.6 million men were demobilised.") != []
    assert differ("Seven or eight million were released.", "Several million were released.") == []
    assert differ("Thousands of prisoners were released.", "Several million prisoners were released.") == [
        "numbers differ: 2000–9990 here, 2,000,000–9,000,000 in the claim"
    ]
    assert differ("100,000 volunteers settled there.", "Thousands of labourers settled there.") == [
        "numbers differ: 100,000 here, 2000–9990 in the claim"
    ]


def test_differences_name_what_differs():
    split_1956 = analysis.Reading.of("The break with China came as early as 1956.")
    split_1959 = analysis.Reading.of("The Sino-Soviet split began in 1959.")
    assert analysis.differences(split_1956, split_1959) == ["dates differ: 1956 here, 1959 in the claim"]
    died = analysis.Reading.of("The U-2 was brought down and its pilot died in the wreck.")
    captured = analysis.Reading.of("The U-2 was shot down and its pilot captured.")
    assert analysis.differences(died, captured) == ["outcome differs: “died” here, “captured” in the claim"]
    first = analysis.Reading.of("Khrushchev was First Secretary of the party.")
    general = analysis.Reading.of("Khrushchev was General Secretary of the party.")
    assert analysis.differences(first, general)[0].startswith("titles differ: First Secretary here")
    assert analysis.differences(split_1959, analysis.Reading.of("In 1959 the Sino-Soviet split began.")) == []


def test_a_recorded_conflict_outranks_the_difference_found_in_the_same_claim():
    from assistant import suggest

    def claim(pk, statement, conflicts):
        return suggest._Claim(pk, statement, analysis.Reading.of(statement), [], conflicts)

    agreed = claim(1, "During the thaw thousands of political prisoners were released.", {2})
    disputed = claim(2, "Seven or eight million political prisoners were released.", {1})
    sentence = analysis.Reading.of("Only thousands of political prisoners were released, not millions.")
    idf = analysis.idf_weights([agreed.reading.words, disputed.reading.words, sentence.words])
    found = suggest._judge(sentence, [(1, 0.9), (2, 0.6)], {1: agreed, 2: disputed}, idf, exclude=set())
    support, contradiction = found
    assert (support.claim_id, support.relation) == (1, "supports") and support.score >= suggest.STRONG_SUPPORT
    assert (contradiction.claim_id, contradiction.relation) == (2, "contradicts")
    assert contradiction.score == round(support.score * 0.9, 3)  # not the lower score of the difference alone
    assert contradiction.reason == (
        "the sentence agrees with claim 1, recorded as conflicting with this one; "
        "numbers differ: 2000–9990 here, 7,000,000–8,000,000 in the claim"
    )


def test_a_number_differs_in_the_whole_sentence_when_no_part_shares_a_word_with_the_claim():
    from assistant import suggest

    text = "He ploughed up the steppe of Kazakhstan and Siberia, and 100,000 volunteers settled in the east."
    sentence = analysis.Reading.of(text)
    parts = [analysis.Reading.of(part) for part in analysis.parts(text)]
    statement = "DailyHistory puts the number of labourers sent to the virgin land at thousands."
    claim = suggest._Claim(1, statement, analysis.Reading.of(statement), [], set())
    idf = analysis.idf_weights([claim.reading.words, sentence.words])
    [found] = suggest._judge(sentence, [(1, 0.6)], {1: claim}, idf, exclude=set(), parts=parts)
    assert (found.relation, found.reason) == ("contradicts", "numbers differ: 100,000 here, 2000–9990 in the claim")


def test_a_date_differs_only_in_the_part_of_the_sentence_that_speaks_of_the_claim():
    text = (
        "With Zhukov's help Khrushchev put down the Anti-Party Group that tried to oust him, "
        "and he became premier of the Soviet Union in March 1958."
    )
    assert analysis.parts(text) == [
        "With Zhukov's help Khrushchev put down the Anti-Party Group that tried to oust him",
        "and he became premier of the Soviet Union in March 1958.",
    ]
    sentence = analysis.Reading.of(text)
    ousted = analysis.Reading.of("In June 1957 Khrushchev defeated the Anti-Party Group.")
    group, premier = (analysis.Reading.of(part) for part in analysis.parts(text))
    assert analysis.differences(sentence, ousted) == ["dates differ: 1958 here, 1957 in the claim"]
    assert analysis.differences(sentence, ousted, part=group) == []  # the 1958 is the premiership's
    became = analysis.Reading.of("Khrushchev became premier in 1956.")
    assert analysis.differences(sentence, became, part=premier) == ["dates differ: 1958 here, 1956 in the claim"]
    # an opening fragment belongs to what follows; a "when" clause shares its main clause's date
    assert analysis.parts("On 14 October 1964, the Presidium removed Khrushchev.") == [
        "On 14 October 1964, the Presidium removed Khrushchev."
    ]
    assert len(analysis.parts("He did not become premier until 1960, when he pushed Bulganin aside.")) == 1
    assert analysis.parts("Crops failed in 1956 and 1958, which ended his promises of plenty.") == [
        "Crops failed in 1956 and 1958",
        "which ended his promises of plenty.",
    ]


# --------------------------------------------------------------------------- the command


@pytest.fixture
def draft_sixth(db, curated_db):
    source = make_source(title="A sixth source", slug="sixth", text=SIXTH, is_published=False)
    return source


@pytest.fixture
def curated_db(db):
    call_command("import_fixtures", stdout=io.StringIO())


def _run(slug, *args) -> list[dict]:
    out = io.StringIO()
    call_command("suggest_citations", slug, "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def _key(claim_id):
    return Claim.objects.get(pk=claim_id).key


@needs_model
def test_json_output_in_text_order_with_supports_contradictions_and_nothing(draft_sixth):
    results = _run("sixth")
    assert [r["start"] for r in results] == sorted(r["start"] for r in results)
    for r in results:
        assert SIXTH[r["start"] : r["end"]].split() == r["text"].split()
        assert set(r) == {"start", "end", "text", "candidates"}
        for c in r["candidates"]:
            assert set(c) == {"claim_id", "relation", "score"} and c["relation"] in ("supports", "contradicts")
        scores = [c["score"] for c in r["candidates"] if c["relation"] == "supports"]
        assert scores == sorted(scores, reverse=True)

    def keys(prefix, relation):
        row = next(r for r in results if r["text"].startswith(prefix))
        return [_key(c["claim_id"]) for c in row["candidates"] if c["relation"] == relation]

    # paraphrase: "jailed, condemned to death and shot" for "executed"
    assert {"a-beria-executed", "a-beria-executed-for-treason-and-counter-revolution"} & set(
        keys("He was jailed, condemned to death and shot", "supports")[:3]
    )
    # a different year for the same subject, with the reason
    assert {"d-sino-soviet-split-began-1959", "d-sino-soviet-split-in-1960"} & set(
        keys("The break with China came as early as 1956", "contradicts")
    )
    # nothing here: the knowledge base knows nothing of his birth
    assert keys("Nikita Khrushchev was born in 1894", "supports") == []
    assert keys("Nikita Khrushchev was born in 1894", "contradicts") == []


def test_an_opening_personal_pronoun_is_read_as_each_person_named_before():
    assert analysis.resolved("He was shot.", ["Lavrentiy Beria"]) == ["Lavrentiy Beria was shot."]
    assert analysis.resolved("“His son fled.", ["Nikita Khrushchev", "Georgy Malenkov"]) == [
        "“Nikita Khrushchev’s son fled.",
        "“Georgy Malenkov’s son fled.",
    ]
    assert analysis.resolved("This treaty was signed.", ["Nikita Khrushchev"]) == []
    assert analysis.resolved("Hence he was shot.", ["Lavrentiy Beria"]) == []
    assert analysis.resolved("He was shot.", []) == []


@needs_model
def test_a_sentence_opening_with_a_pronoun_is_read_with_whom_it_means(curated_db, monkeypatch):
    from assistant import suggest

    texts = [
        "The security chief Lavrentiy Beria lost the struggle for power in 1953.",
        "He was jailed, condemned to death and shot as a traitor.",
    ]
    named = suggest._people_named(texts)
    assert named[0][0] == "Lavrentiy Beria" and named[0][-1] == "Nikita Khrushchev"  # and the central person
    # "Georgy" alone could be Malenkov or Zhukov; "Lavrentiy Beria" is Beria by two words, so he comes first
    assert suggest._people_named(["Georgy sided with Lavrentiy Beria."])[0][0] == "Lavrentiy Beria"
    executed = Claim.objects.get(key="a-beria-executed").pk
    read_resolved = dict(suggest._nearest(texts)[1])[executed]
    monkeypatch.setattr(analysis, "resolved", lambda text, names: [])
    read_alone = dict(suggest._nearest(texts)[1])[executed]
    assert read_resolved > read_alone + 0.02  # "he" is Beria, named only in the sentence before
    # the sentence before lends a name, never its own words: its claims do not come near this one
    became_chief = dict(suggest._nearest(texts)[0])
    first_of_before = max(became_chief, key=became_chief.get)
    monkeypatch.undo()
    assert dict(suggest._nearest(texts)[1]).get(first_of_before, 0) < became_chief[first_of_before] - 0.1


@needs_model
def test_reasons_and_claims_already_citing_the_sentence_left_out(draft_sixth):
    sentence = "He also cut the army and navy hard in favour of nuclear rockets."
    start = SIXTH.index(sentence)
    before = _run("sixth", "--reasons")
    row = next(r for r in before if r["start"] == start)
    first = row["candidates"][0]
    assert first["relation"] == "supports" and "reason" in first
    cite(Claim.objects.get(pk=first["claim_id"]), draft_sixth, sentence, start)
    after = next(r for r in _run("sixth") if r["start"] == start)
    assert first["claim_id"] not in {c["claim_id"] for c in after["candidates"]}


def test_unknown_slug_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No source with the slug 'nope'"):
        call_command("suggest_citations", "nope", stdout=io.StringIO())


def test_without_the_model_words_alone_still_find_the_claim(curated_db, monkeypatch):
    monkeypatch.setattr(encoder, "available", lambda: False)
    make_source(title="Words", slug="words", text="Stalin's portraits were removed from public places in 1956.")
    [row] = _run("words")
    supported = {_key(c["claim_id"]) for c in row["candidates"] if c["relation"] == "supports"}
    assert "b-stalin-portraits-removed-from-public-places" in supported


# --------------------------------------------------------------------------- vectors kept up to date


@needs_model
def test_vectors_are_computed_once_and_again_when_a_statement_changes(db):
    from assistant import vectors

    source = make_source(title="S", slug="s", text="Beria was executed in December 1953.")
    claim = make_claim(statement="Beria was executed.")
    cite(claim, source, "Beria was executed")
    assert vectors.refresh() == 1
    assert vectors.refresh() == 0  # computed once
    stored = ClaimVector.objects.get(claim=claim)
    assert stored.statement == "Beria was executed." and len(stored.vector) == encoder.DIMENSIONS * 2
    claim.statement = "Beria was shot in December 1953."
    services.claim_save(claim=claim)
    assert list(vectors.stale_claims()) == [claim]
    assert vectors.refresh() == 1
    assert ClaimVector.objects.get(claim=claim).statement == "Beria was shot in December 1953."
    services.claims_set_published(claims=Claim.objects.filter(pk=claim.pk), published=False)
    ids, matrix = vectors.public_matrix()
    assert claim.pk not in set(ids.tolist())  # drafts are never suggested


# --------------------------------------------------------------------------- the admin flow


@pytest.fixture
def small(db):
    old = make_source(title="Old", slug="old", text="Beria was executed in December 1953 after a secret trial.")
    claim = make_claim(statement="Beria was executed in December 1953.")
    cite(claim, old, "Beria was executed in December 1953")
    other = make_claim(statement="The Sino-Soviet split began in 1959.")
    cite(other, old, "after a secret trial")
    new = make_source(
        title="New", slug="new", text="Beria was shot in December 1953. The Sino-Soviet split began in 1956."
    )
    return {"old": old, "new": new, "claim": claim, "other": other}


def _url(source):
    return f"/admin/assistant/source/{source.pk}/"


def test_the_source_page_links_to_the_assistant(admin_client, small):
    page = admin_client.get(f"/admin/sources/source/{small['new'].pk}/change/").content.decode()
    assert _url(small["new"]) in page


def test_the_assistant_page_lists_every_sentence(admin_client, small):
    page = admin_client.get(_url(small["new"])).content.decode()
    assert "Beria was shot in December 1953." in page and "The Sino-Soviet split began in 1956." in page
    assert f"Claim {small['claim'].pk}" in page


def test_cite_action_goes_through_the_write_layer(admin_client, small):
    new, claim = small["new"], small["claim"]
    assert claim.status == Claim.Status.SINGLE_SOURCE
    response = admin_client.post(
        _url(new),
        {"action": "cite", "claim": claim.pk, "start": 0, "end": 32, "quote": "Beria was shot"},
        follow=True,
    )
    assert "Cited “Beria was shot”" in response.content.decode()
    citation = Citation.objects.get(source=new)
    assert (citation.start, citation.end, citation.quote, citation.needs_review) == (0, 14, "Beria was shot", False)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CORROBORATED  # derived values refreshed by the write layer


def test_conflict_action_makes_the_claim_its_citation_and_both_directions(admin_client, small):
    new, other = small["new"], small["other"]
    sentence = "The Sino-Soviet split began in 1956."
    start = new.text.index(sentence)
    admin_client.post(
        _url(new),
        {
            "action": "conflict",
            "claim": other.pk,
            "start": start,
            "end": start + len(sentence),
            "quote": sentence,
            "statement": "The Sino-Soviet split began in 1956.",
            "note": "1956 here, 1959 in the other.",
            "publish": "1",
        },
    )
    made = Claim.objects.get(statement="The Sino-Soviet split began in 1956.")
    assert made.citations.get().source == new
    assert Conflict.objects.filter(from_claim=made, to_claim=other).exists()
    assert Conflict.objects.filter(from_claim=other, to_claim=made).exists()
    other.refresh_from_db()
    assert other.status == Claim.Status.CONTESTED


@pytest.mark.parametrize(
    "data, message",
    [
        ({"action": "cite", "start": 0, "end": 32, "quote": "Beria was hanged"}, "The quote must be words"),
        ({"action": "cite", "start": 0, "end": 32, "quote": "The Sino-Soviet"}, "The quote must be words"),
        ({"action": "cite", "start": "x", "end": 32, "quote": "Beria"}, "incomplete"),
        ({"action": "conflict", "start": 0, "end": 32, "quote": "Beria", "statement": "", "note": ""}, "Nothing"),
        ({"action": "explode", "start": 0, "end": 32, "quote": "Beria"}, "Unknown action"),
    ],
)
def test_bad_actions_change_nothing_and_say_why(admin_client, small, data, message):
    before = (Claim.objects.count(), Citation.objects.count(), Conflict.objects.count())
    response = admin_client.post(_url(small["new"]), {"claim": small["claim"].pk, **data}, follow=True)
    assert message in response.content.decode()
    assert (Claim.objects.count(), Citation.objects.count(), Conflict.objects.count()) == before


def test_the_assistant_needs_the_editors_permissions(client, small, django_user_model):
    user = django_user_model.objects.create_user("reader", password="pw-for-tests-only", is_staff=True)
    client.force_login(user)
    assert client.get(_url(small["new"])).status_code == 403
    client.logout()
    assert client.get(_url(small["new"])).status_code == 302  # to the admin's login


def test_a_draft_source_can_be_assisted(admin_client, small):
    small["new"].is_published = False
    services.source_save(source=small["new"])
    assert admin_client.get(_url(small["new"])).status_code == 200
    assert Source.objects.get(pk=small["new"].pk).is_published is False


# --------------------------------------------------------------------------- the evaluation


@needs_model
def test_evaluation_changes_nothing_and_holds_its_figures_on_one_source(curated_db):
    """A regression guard at what the assistant reaches today (the README gives every figure and the targets)."""
    from tests.conftest import snapshot_db

    before = snapshot_db()
    out = io.StringIO()
    call_command("evaluate_assistant", "--source", "mondo-khrushchev-ousted", "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert snapshot_db() == before
    row = figures["all sources"]
    assert row["supports"] > 10
    assert row["supports_recall_at_3"] >= 0.8
    labelled = next(v for k, v in figures.items() if "labelled" in k)
    assert labelled["uncovered_sentences"] == 5
    assert labelled["uncovered_with_candidates"] <= 0.2
    assert labelled["contradicts_recall_at_3"] >= 0.66
    # 51 labelled supports in 19 sentences: strict recall@1 can reach 19/51 at most
    assert labelled["supports_recall_at_1_ceiling"] == pytest.approx(19 / 51)
