"""Admin forms for sources: paste or upload the text, and never let an edit break a citation."""

from django import forms
from django.core.exceptions import ValidationError

from . import services
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
            "title",
            "short_title",
            "slug",
            "publisher",
            "author",
            "kind",
            "publication_date",
            "url",
            "tags",
            "notes",
            "is_published",
            "derived_from",
            "text",
            "file_name",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].required = False
        self.fields["text"].strip = False  # a source's text is stored verbatim: offsets count every character
        self.text_change: services.TextChange | None = None  # how the citations follow a changed text

    def clean_text(self):
        """Browsers send a textarea's line breaks as CRLF: unless the stored text itself has CRs, they are LFs.

        Without this, saving a source form unchanged would shift every offset after the first line.
        """
        text = self.cleaned_data.get("text") or ""
        stored = self.instance.text if self.instance.pk else ""
        if "\r\n" in text and "\r" not in stored:
            text = text.replace("\r\n", "\n")
        return text

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
            self.text_change = services.plan_text_change(self.instance, cleaned["text"])
            if self.text_change.refused:
                self.add_error("text", self.text_change.error())
        return cleaned
