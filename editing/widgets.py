"""Admin autocomplete widgets that survive a bad submitted value.

Django's ``AutocompleteSelect`` looks up the submitted ids to show them again
when a form comes back with errors; an id that is not a number (``"x"``) makes
that lookup raise, and the editor gets a 500 instead of the form and its
message. These widgets show only the ids that are valid; the form field itself
still reports the bad value ("Select a valid choice").
"""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


class _ValidIdsOnly:
    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        valid = []
        for item in value:
            try:
                if item not in ("", None):
                    target.run_validators(target.to_python(item))  # a number, and in the column's range
                valid.append(item)
            except ValidationError:
                continue
        return super().optgroups(name, valid, attr)


class SafeAutocompleteSelect(_ValidIdsOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_ValidIdsOnly, AutocompleteSelectMultiple):
    pass


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses an id out of the column's range as invalid, before the lookup (which raised OverflowError on SQLite)."""

    def _check_values(self, value):
        meta = self.queryset.model._meta
        target = meta.get_field(self.to_field_name) if self.to_field_name else meta.pk
        for pk in value:
            try:
                if pk not in ("", None):
                    target.run_validators(target.to_python(pk))
            except ValidationError:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                ) from None
        return super()._check_values(value)


class SafeAutocompleteAdmin:
    """ModelAdmin / InlineModelAdmin mixin: ``autocomplete_fields`` get the widgets above, many-to-many fields
    the field above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)
