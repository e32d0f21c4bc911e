"""Admin forms for sources: paste or upload the text, and never let an edit break a citation."""

from django import forms
from django.core.exceptions import ValidationError

from . import anchoring
from .models import Source

MAX_UPLOAD = 5 * 1024 * 1024


class SourceAdminForm(forms.ModelForm):
    upload = forms.FileField(
        required=False,
        help_text="Or upload the text as a UTF-8 .txt or .md file (at most 5 MB); it replaces the text above.",
    )

    class Meta:
        model = Source
        fields = [
            "title", "slug", "publisher", "author", "kind", "published", "url", "tags", "notes", "is_published",
            "text", "file_name",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].required = False
        self.reanchored: list[tuple] = []  # (citation, start, end, quote) to write after the source is saved

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if not upload:
            return None
        if not upload.name.lower().endswith((".txt", ".md")):
            raise ValidationError("Upload a .txt or .md file.")
        if upload.size > MAX_UPLOAD:
            raise ValidationError(f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is 5 MB.")
        raw = upload.read()
        try:
            return upload.name, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                f"The file is not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start} cannot be decoded. "
                "Save it as UTF-8 and upload it again."
            ) from exc

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload:
            name, text = upload
            cleaned["text"] = text
            self.instance.text = text
            if not cleaned.get("file_name"):
                cleaned["file_name"] = name
                self.instance.file_name = name
        if not cleaned.get("text"):
            self.add_error("text", "Paste the text or upload a file.")
            return cleaned
        if self.instance.pk:
            self._reanchor(cleaned["text"])
        return cleaned

    def _reanchor(self, new_text: str) -> None:
        """Find every citation again in the new text, or refuse the save listing those that cannot be."""
        old_text = Source.objects.only("text").get(pk=self.instance.pk).text
        if old_text == new_text:
            return
        failures = []
        for citation in self.instance.citations.select_related("claim").order_by("start"):
            try:
                found = anchoring.reanchor(old_text, new_text, citation.quote, citation.start)
                self.reanchored.append((citation, found.start, found.end, citation.quote))
            except anchoring.AnchorError as exc:
                fuzzy = anchoring.fuzzy_find(new_text, citation.quote)
                if fuzzy is not None:
                    self.reanchored.append((citation, fuzzy.start, fuzzy.end, new_text[fuzzy.start : fuzzy.end]))
                else:
                    failures.append(f"citation {citation.pk} of claim {citation.claim_id} ({exc})")
        if failures:
            raise ValidationError(
                "The new text would break citations; nothing was saved. Keep the cited passages, or edit those "
                "claims first: " + "; ".join(failures)
            )
