"""Django glue for EDTF dates: a validator and an abstract model with derived bounds.

Why not ``edtf.fields.EDTFField``: it pickles values into the column (unreadable
on PostgreSQL), ignores updates and rewrites some dates (see TOOLCHAIN.md). We
keep the EDTF text in a plain CharField and derive the bounds on save.
"""

from django.core.exceptions import ValidationError
from django.db import models

from . import edtf_dates

EDTF_HELP = (
    "Extended Date/Time Format, as precise as the source allows, e.g. "
    + edtf_dates.EXAMPLES
    + ". Leave blank when undated."
)


def validate_edtf(value: str) -> None:
    if not (value or "").strip():
        return
    try:
        edtf_dates.parse(value)
    except edtf_dates.InvalidEDTF as exc:
        raise ValidationError(str(exc), code="invalid_edtf") from exc


class EDTFDatedModel(models.Model):
    """A model with an EDTF ``date`` and its derived, indexed ``date_lower`` / ``date_upper``."""

    date = models.CharField(max_length=100, blank=True, validators=[validate_edtf], help_text=EDTF_HELP)
    date_lower = models.DateField(null=True, blank=True, editable=False, db_index=True)
    date_upper = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.derive_date_bounds()
        super().save(*args, **kwargs)

    def derive_date_bounds(self) -> None:
        self.date = (self.date or "").strip()
        self.date_lower, self.date_upper = edtf_dates.bounds(self.date)

    @property
    def date_display(self) -> str:
        return edtf_dates.humanize(self.date)
