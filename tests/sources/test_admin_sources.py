"""Adding and editing sources in the admin: upload checks, re-anchoring, the uncited-passages panel."""

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile

from editing.concurrency import current_token
from sources.models import Citation, Source

pytestmark = pytest.mark.django_db


def source_form(source=None, **changes):
    data = {
        "title": "A new source",
        "slug": "a-new-source",
        "publisher": "",
        "author": "",
        "kind": "article",
        "publication_date": "",
        "url": "",
        "tags": "",
        "notes": "",
        "text": "",
        "file_name": "",
    }
    if source is not None:
        data.update({f: getattr(source, f) for f in ("title", "slug", "kind", "publication_date", "text", "file_name")})
        data["_edit_token"] = current_token(source)  # as the change form carries it (editing/concurrency.py)
    for inline, count in (("references", 0), ("figures", 0), ("citations", 0)):
        data.update(
            {
                f"{inline}-TOTAL_FORMS": str(count),
                f"{inline}-INITIAL_FORMS": str(count),
                f"{inline}-MIN_NUM_FORMS": "0",
                f"{inline}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(changes)
    return data


def form_errors(response):
    return str(response.context["adminform"].form.errors)


def test_upload_a_utf8_text_file(admin_client):
    text = "Khrushchev’s text, uploaded.\n"
    upload = SimpleUploadedFile("new_source.txt", text.encode("utf-8"), content_type="text/plain")
    response = admin_client.post("/admin/sources/source/add/", source_form(upload=upload))
    assert response.status_code == 302, form_errors(response)
    source = Source.objects.get(slug="a-new-source")
    assert source.text == text and source.file_name == "new_source.txt" and len(source.sha256) == 64


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("latin1.txt", "caf\xe9".encode("latin-1"), "not UTF-8: byte 0xe9 at offset 3"),
        ("image.png", b"\x89PNG....", "Upload a .txt or .md file"),
    ],
)
def test_bad_uploads_are_refused(admin_client, name, data, message):
    response = admin_client.post("/admin/sources/source/add/", source_form(upload=SimpleUploadedFile(name, data)))
    assert response.status_code == 200 and message in form_errors(response)
    assert not Source.objects.filter(slug="a-new-source").exists()


def test_text_edit_reanchors_every_citation(admin_client, kb):
    source = Source.objects.get(slug="source-b")
    response = admin_client.post(
        f"/admin/sources/source/{source.pk}/change/", source_form(source, text="Foreword. " + source.text)
    )
    assert response.status_code == 302, form_errors(response)
    source.refresh_from_db()
    for citation in Citation.objects.filter(source=source):
        assert source.text[citation.start : citation.end] == citation.quote


def test_saving_a_source_unchanged_from_a_browser_changes_nothing(admin_client, kb):
    """Found by review: the form stripped the text's edges and kept the browser's CRLFs, moving every offset."""
    source = Source.objects.get(slug="source-b")
    source.text = "\n  " + source.text + "\n\n"  # a text that starts and ends with white space, as files do
    source.save()
    before = {c.pk: (c.start, c.end, c.needs_review) for c in Citation.objects.filter(source=source)}
    as_sent = source.text.replace("\n", "\r\n")  # what a browser posts for a textarea
    response = admin_client.post(f"/admin/sources/source/{source.pk}/change/", source_form(source, text=as_sent))
    assert response.status_code == 302, form_errors(response)
    stored = Source.objects.get(pk=source.pk).text
    assert stored == source.text
    assert {c.pk: (c.start, c.end, c.needs_review) for c in Citation.objects.filter(source=source)} == before


def test_a_pasted_text_is_stored_with_plain_line_breaks_and_an_uploaded_one_verbatim(admin_client):
    admin_client.post("/admin/sources/source/add/", source_form(text="One.\r\nTwo.\r\n"))
    assert Source.objects.get(slug="a-new-source").text == "One.\nTwo.\n"
    upload = SimpleUploadedFile("crlf.txt", b"One.\r\nTwo.\r\n", content_type="text/plain")
    admin_client.post("/admin/sources/source/add/", source_form(slug="crlf", upload=upload))
    assert Source.objects.get(slug="crlf").text == "One.\r\nTwo.\r\n"


def test_a_corrected_typo_inside_a_quote_moves_the_citation_to_the_new_words(admin_client, kb):
    source = Source.objects.get(slug="source-b")
    new_text = source.text.replace("by the Presidium", "by the Presidium of the party")
    new_text = new_text.replace("He died on September 11, 1971.", "He died on September 11, 1971 .")
    response = admin_client.post(f"/admin/sources/source/{source.pk}/change/", source_form(source, text=new_text))
    assert response.status_code == 302, form_errors(response)
    for citation in Citation.objects.filter(source=source):
        assert new_text[citation.start : citation.end] == citation.quote


def test_an_edit_that_breaks_a_citation_is_refused_and_lists_it(admin_client, kb):
    source = Source.objects.get(slug="source-b")
    original = source.text
    response = admin_client.post(
        f"/admin/sources/source/{source.pk}/change/", source_form(source, text="Entirely different words.\n")
    )
    assert response.status_code == 200
    message = form_errors(response)
    assert "would break citations; nothing was saved" in message
    for citation in Citation.objects.filter(source=source):
        assert f"citation {citation.pk} of claim {citation.claim_id}" in message
    source.refresh_from_db()
    assert source.text == original


def test_uncited_panel_links_to_a_prefilled_claim_form(admin_client, kb):
    source = Source.objects.get(slug="source-b")
    page = BeautifulSoup(admin_client.get(f"/admin/sources/source/{source.pk}/change/").content, "html.parser")
    link = page.find("a", string="New claim from this passage")
    assert link is not None
    form = BeautifulSoup(admin_client.get(link["href"]).content, "html.parser")
    quote = form.find("textarea", attrs={"name": "citations-0-quote"}).get_text().strip()
    start = form.find("input", attrs={"name": "citations-0-start"})["value"]
    assert source.text[int(start) : int(start) + len(quote)] == quote
