"""Every write path keeps every invariant: a stateful property test (hypothesis ``RuleBasedStateMachine``).

Random sequences of what editors do, through the admin exactly as a browser posts
it (add forms with inline citations, change forms, inline deletes, changelist
actions, "Delete selected", text edits of cited sources) and through the write
layer (``sources/services.py``) for what the admin has no form for, are checked
after every step against an oracle written here in plain Python, independently
of ``sources/evidence.py``:

* every conflict has its mirror, with the same note;
* every stored ``is_public``, ``status`` and source ``origin`` equals what the
  rules give (public: published and cited by a published source; contested if it
  conflicts with a public claim, else corroborated by published, reviewed
  citations of two independent origins, else single-source);
* every citation's quote stands at its offsets in its source's current text,
  with the context and text hash it was verified against;
* nothing that is not public shows anywhere: the claims list, the disputes, the
  tag filter's choices, search, and every export.

``KB_STATEFUL_EXAMPLES`` (default 100) and ``KB_STATEFUL_STEPS`` (default 10) size the run.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from taggit.models import Tag

from sources import services
from sources.models import Citation, Claim, Conflict, Source
from tests.admin_forms import post_form
from tests.conftest import write_fixture_folder

EXAMPLES = int(os.environ.get("KB_STATEFUL_EXAMPLES", "100"))
STEPS = int(os.environ.get("KB_STATEFUL_STEPS", "10"))
FILLERS = [" (revised)", "Preface. ", "", "\nA new line.\n", "Khrushchev "]


# --------------------------------------------------------------------------- the oracle


def expected_origins() -> dict[int, int]:
    parent = dict(Source.objects.values_list("pk", "derived_from_id"))
    origins = {}
    for pk in parent:
        chain, current = [pk], pk
        while parent[current] is not None and parent[current] not in chain:
            current = parent[current]
            chain.append(current)
        origins[pk] = current
    return origins


def expected_claims() -> dict[int, tuple[bool, str]]:
    """{claim id: (public, status)} from the rows, by the rules, in Python."""
    origins = expected_origins()
    published_sources = set(Source.objects.filter(is_published=True).values_list("pk", flat=True))
    claims = dict(Claim.objects.values_list("pk", "published"))
    cited_by: dict[int, list[tuple[int, bool]]] = {pk: [] for pk in claims}
    for claim_id, source_id, review in Citation.objects.values_list("claim_id", "source_id", "needs_review"):
        cited_by[claim_id].append((source_id, review))
    public = {
        pk: published and any(source in published_sources for source, _ in cited_by[pk])
        for pk, published in claims.items()
    }
    partners: dict[int, set[int]] = {pk: set() for pk in claims}
    for a, b in Conflict.objects.values_list("from_claim_id", "to_claim_id"):
        partners[a].add(b)
    result = {}
    for pk in claims:
        counted = {origins[s] for s, review in cited_by[pk] if s in published_sources and not review}
        if any(public[other] for other in partners[pk]):
            status = "contested"
        elif len(counted) >= 2:
            status = "corroborated"
        else:
            status = "single-source"
        result[pk] = (public[pk], status)
    return result


def csv_rows(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


# --------------------------------------------------------------------------- the machine


class EditorsAtWork(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        cache.clear()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()  # every example is rolled back at its end
        self.editor = Client()
        from django.contrib.auth.models import User

        self.editor.force_login(User.objects.get(username="stateful-admin"))
        self.reader = Client()
        self.step = 0

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        cache.clear()

    # ----------------------------------------------------------------- helpers

    def pick(self, data, queryset, label):
        ids = sorted(queryset.values_list("pk", flat=True))
        if not ids:
            return None
        return data.draw(st.sampled_from(ids), label=label)

    def action(self, changelist, name, ids, **extra):
        payload = {"action": name, "_selected_action": ids, **extra}
        response = self.editor.post(changelist, payload)
        assert response.status_code in (200, 302), (changelist, name, response.status_code)

    # ----------------------------------------------------------------- claims

    @rule(data=st.data(), published=st.booleans(), length=st.integers(5, 40))
    def admin_adds_a_claim_with_a_citation(self, data, published, length):
        source_id = self.pick(data, Source.objects.all(), "source")
        source = Source.objects.get(pk=source_id)
        start = data.draw(st.integers(0, max(0, len(source.text) - length)), label="start")
        quote = source.text[start : start + length]
        self.step += 1
        form = {
            "statement": f"Stateful claim {self.step}.",
            "date": data.draw(st.sampled_from(["", "1956", "1964-10"]), label="date"),
            "tags": data.draw(st.sampled_from(["", "thaw", "draftonly"]), label="tags"),
            "note": "",
            "citations-TOTAL_FORMS": "1",
            "citations-INITIAL_FORMS": "0",
            "citations-MIN_NUM_FORMS": "0",
            "citations-MAX_NUM_FORMS": "1000",
            "citations-0-source": str(source_id),
            "citations-0-quote": quote,
            "citations-0-start": str(start),
            "citations-0-end": "",
            "conflict_links-TOTAL_FORMS": "0",
            "conflict_links-INITIAL_FORMS": "0",
            "conflict_links-MIN_NUM_FORMS": "0",
            "conflict_links-MAX_NUM_FORMS": "1000",
        }
        if published:
            form["published"] = "on"
        response = self.editor.post("/admin/sources/claim/add/", form)
        assert response.status_code in (200, 302)  # 200: refused with a message (a blank quote, say)

    @rule(data=st.data())
    def admin_toggles_a_claims_publication(self, data):
        pk = self.pick(data, Claim.objects.all(), "claim")
        if pk is None:
            return
        published = Claim.objects.get(pk=pk).published
        response = post_form(self.editor, f"/admin/sources/claim/{pk}/change/", published=None if published else "on")
        assert response.status_code in (200, 302)

    @rule(data=st.data())
    def admin_changes_a_claims_people_and_event(self, data):
        from events.models import Event
        from people.models import Person

        pk = self.pick(data, Claim.objects.all(), "claim")
        if pk is None:
            return
        people = data.draw(st.lists(st.sampled_from(sorted(Person.objects.values_list("pk", flat=True))), max_size=3))
        event = data.draw(st.sampled_from(["", *(str(e) for e in Event.objects.values_list("pk", flat=True))]))
        changes = {"people": sorted({str(p) for p in people}), "event": event}
        response = post_form(self.editor, f"/admin/sources/claim/{pk}/change/", **changes)
        assert response.status_code in (200, 302)

    @rule(data=st.data(), publish=st.booleans())
    def admin_publishes_or_unpublishes_claims_in_bulk(self, data, publish):
        pk = self.pick(data, Claim.objects.all(), "claim")
        if pk is not None:
            self.action("/admin/sources/claim/", "publish" if publish else "unpublish", [pk])

    @rule(data=st.data())
    def admin_deletes_selected_claims(self, data):
        pk = self.pick(data, Claim.objects.all(), "claim")
        if pk is not None:
            self.action("/admin/sources/claim/", "delete_selected", [pk], post="yes")

    @rule(data=st.data())
    def admin_reverts_a_claim_to_an_earlier_version(self, data):
        record = self.pick(data, Claim.history.filter(id__in=Claim.objects.values("pk")), "version")
        if record is None:
            return
        claim_id = Claim.history.get(history_id=record).id
        response = post_form(self.editor, f"/admin/sources/claim/{claim_id}/history/{record}/")
        assert response.status_code in (200, 302)

    @rule(data=st.data())
    def admin_recovers_a_deleted_claim_from_its_history(self, data):
        deleted = Claim.history.filter(history_type="-").exclude(id__in=Claim.objects.values("pk"))
        ids = sorted(set(deleted.values_list("id", flat=True)))
        if not ids:
            return
        claim_id = data.draw(st.sampled_from(ids), label="deleted claim")
        last = Claim.history.filter(id=claim_id).exclude(history_type="-").latest()
        response = post_form(self.editor, f"/admin/sources/claim/{claim_id}/history/{last.history_id}/")
        assert response.status_code in (200, 302)

    @rule(data=st.data(), model=st.sampled_from([Citation, Conflict]))
    def admin_reverts_a_citation_or_conflict_to_an_earlier_version(self, data, model):
        record = self.pick(data, model.history.filter(id__in=model.objects.values("pk")), "version")
        if record is None:
            return
        row = model.history.get(history_id=record).id
        name = model._meta.model_name
        response = post_form(self.editor, f"/admin/sources/{name}/{row}/history/{record}/")
        assert response.status_code in (200, 302)

    # ----------------------------------------------------------------- conflicts

    @rule(data=st.data())
    def admin_adds_a_conflict(self, data):
        a = self.pick(data, Claim.objects.all(), "from")
        b = self.pick(data, Claim.objects.all(), "to")
        if a is None or a == b:
            return
        response = self.editor.post(
            "/admin/sources/conflict/add/", {"from_claim": a, "to_claim": b, "note": f"Disagree {self.step}."}
        )
        assert response.status_code in (200, 302)

    @rule(data=st.data())
    def admin_repoints_a_conflict(self, data):
        row = self.pick(data, Conflict.objects.all(), "conflict")
        target = self.pick(data, Claim.objects.all(), "new target")
        if row is None:
            return
        response = post_form(self.editor, f"/admin/sources/conflict/{row}/change/", to_claim=str(target))
        assert response.status_code in (200, 302)

    @rule(data=st.data())
    def admin_deletes_one_row_of_a_conflict_pair(self, data):
        row = self.pick(data, Conflict.objects.all(), "conflict")
        if row is not None:
            self.action("/admin/sources/conflict/", "delete_selected", [row], post="yes")

    @rule(data=st.data())
    def admin_deletes_a_conflict_inline_on_the_claim_form(self, data):
        claim = self.pick(data, Claim.objects.filter(conflict_links__isnull=False), "claim")
        if claim is None:
            return
        response = post_form(self.editor, f"/admin/sources/claim/{claim}/change/", **{"conflict_links-0-DELETE": "on"})
        assert response.status_code in (200, 302)

    # ----------------------------------------------------------------- citations

    @rule(data=st.data())
    def admin_moves_a_citation_to_another_claim(self, data):
        citation = self.pick(data, Citation.objects.all(), "citation")
        claim = self.pick(data, Claim.objects.all(), "claim")
        if citation is None:
            return
        response = post_form(self.editor, f"/admin/sources/citation/{citation}/change/", claim=str(claim))
        assert response.status_code in (200, 302)

    @rule(data=st.data())
    def admin_deletes_a_citation(self, data):
        citation = self.pick(data, Citation.objects.all(), "citation")
        if citation is not None:
            self.action("/admin/sources/citation/", "delete_selected", [citation], post="yes")

    @rule(data=st.data())
    def admin_accepts_passages_under_review(self, data):
        citation = self.pick(data, Citation.objects.filter(needs_review=True), "flagged")
        if citation is not None:
            self.action("/admin/sources/citation/", "accept_passages", [citation])

    @rule(data=st.data(), date=st.sampled_from(["", "1960", "1956-02-25", "1955/1957"]))
    def admin_changes_an_events_date(self, data, date):
        from events.models import Event

        pk = self.pick(data, Event.objects.all(), "event")
        response = post_form(self.editor, f"/admin/events/event/{pk}/change/", date=date)
        assert response.status_code in (200, 302)

    # ----------------------------------------------------------------- sources

    @rule(data=st.data(), publish=st.booleans())
    def admin_publishes_or_unpublishes_a_source(self, data, publish):
        pk = self.pick(data, Source.objects.all(), "source")
        self.action("/admin/sources/source/", "publish" if publish else "unpublish", [pk])

    @rule(data=st.data(), filler=st.sampled_from(FILLERS))
    def admin_edits_a_cited_source_text(self, data, filler):
        pk = self.pick(data, Source.objects.all(), "source")
        text = Source.objects.get(pk=pk).text
        where = data.draw(st.integers(0, len(text)), label="where")
        cut = data.draw(st.integers(0, 6), label="cut")
        new = text[:where] + filler + text[where + cut :]
        response = post_form(self.editor, f"/admin/sources/source/{pk}/change/", text=new)
        assert response.status_code in (200, 302)  # 200: refused, a cited passage would be lost

    @rule(data=st.data())
    def a_source_is_declared_a_copy_of_another(self, data):
        pk = self.pick(data, Source.objects.all(), "source")
        parent = data.draw(st.one_of(st.none(), st.sampled_from(sorted(Source.objects.values_list("pk", flat=True)))))
        source = Source.objects.get(pk=pk)
        source.derived_from_id = parent
        with contextlib.suppress(ValidationError):  # a cycle, refused
            services.source_save(source=source)

    # ----------------------------------------------------------------- invariants

    @invariant()
    def conflicts_have_their_mirror_with_the_same_note(self):
        links = {(a, b): note for a, b, note in Conflict.objects.values_list("from_claim_id", "to_claim_id", "note")}
        for (a, b), note in links.items():
            assert links.get((b, a)) == note, (a, b)

    @invariant()
    def stored_derived_values_equal_the_rules(self):
        stored = {pk: (public, status) for pk, public, status in Claim.objects.values_list("pk", "is_public", "status")}
        assert stored == expected_claims()
        for own, event, placed in Claim.objects.values_list("date_lower", "event__date_lower", "timeline_date"):
            assert placed == (own or event), (own, event, placed)
        # Each source's stored counts and coverage, over its public citations.
        from sources.sentences import coverage

        public = {pk for pk, (is_public, _) in expected_claims().items() if is_public}
        for source in Source.objects.all():
            spans = [
                (c.start, c.end)
                for c in Citation.objects.filter(source=source)
                if c.claim_id in public and source.is_published
            ]
            covered = coverage(source.text, spans)
            claims = {c.claim_id for c in Citation.objects.filter(source=source) if c.claim_id in public}
            stored = (source.claim_count, source.citation_count, source.sentence_count, source.cited_sentence_count)
            expected = (
                len(claims) if source.is_published else 0,
                len(spans),
                len(covered.sentences),
                len(covered.cited),
            )
            assert stored == expected, (source.slug, stored, expected)
        assert dict(Source.objects.values_list("pk", "origin_id")) == expected_origins()

    @invariant()
    def every_quote_stands_at_its_offsets(self):
        texts = {pk: (text, sha) for pk, text, sha in Source.objects.values_list("pk", "text", "sha256")}
        for citation in Citation.objects.all():
            text, sha = texts[citation.source_id]
            assert text[citation.start : citation.end] == citation.quote, citation.pk
            assert citation.text_sha256 == sha, citation.pk
            assert citation.prefix == text[max(0, citation.start - 32) : citation.start], citation.pk

    @invariant()
    def nothing_that_is_not_public_shows(self):
        # Pages and exports change only when the evidence does: every write leaves a history record, so the
        # newest record of each content table tells whether there is anything new to look at.
        written = tuple(
            model.history.order_by("-history_id").values_list("history_id", flat=True).first()
            for model in (Claim, Citation, Conflict, Source)
        )
        if written == getattr(self, "checked", None):
            return
        self.checked = written
        public = {pk for pk, (is_public, _) in expected_claims().items() if is_public}
        exported = {int(r["id"]) for r in csv_rows(self.reader, "/export/claims.csv")}
        assert exported == public
        claims_json = json.loads(b"".join(self.reader.get("/export/claims.json").streaming_content))
        assert {c["id"] for c in claims_json} == public
        cited = {int(r["claim_id"]) for r in csv_rows(self.reader, "/export/citations.csv")}
        assert cited <= public
        page = self.reader.get("/claims/?page=1").content.decode()
        assert {int(x) for x in re.findall(r'href="/claims/(\d+)/"', page)} <= public
        disputes = self.reader.get("/disputes/").content.decode()
        assert {int(x) for x in re.findall(r'href="/claims/(\d+)/"', disputes)} <= public
        found = self.reader.get("/search/?q=Stateful").content.decode()
        assert {int(x) for x in re.findall(r'href="/claims/(\d+)/"', found)} <= public
        public_tags = set()
        published = set(Source.objects.filter(is_published=True).values_list("pk", flat=True))
        for slug, model, object_id in Tag.objects.values_list(
            "slug", "taggit_taggeditem_items__content_type__model", "taggit_taggeditem_items__object_id"
        ):
            carried_by_public = (
                model in ("person", "event")
                or (model == "claim" and object_id in public)
                or (model == "source" and object_id in published)
            )
            if carried_by_public:
                public_tags.add(slug)
        choices = set(re.findall(r'<option value="([^"]+)"', self.reader.get("/claims/").content.decode()))
        draft_tags = set(Tag.objects.values_list("slug", flat=True)) - public_tags
        assert not (draft_tags & choices), draft_tags & choices
        for slug in draft_tags:
            assert self.reader.get(f"/tags/{slug}/").status_code == 404, slug


@pytest.mark.django_db
def test_every_write_path_keeps_every_invariant(fixture_folder):
    from django.contrib.auth.models import User

    call_command("import_fixtures", str(write_fixture_folder(fixture_folder)), stdout=io.StringIO())
    User.objects.create_superuser("stateful-admin", "admin@example.org", "a long password for tests")
    run_state_machine_as_test(
        EditorsAtWork,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
