"""Optimistic concurrency for the admin's change forms: a second, stale save is refused, never silently applied.

Every change form carries an edit token: the id of the object's latest history
record when the editor opened it (each save writes one, so the token changes
with every save). On save the token is compared with the current one inside
the admin's transaction, with the row locked (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite's write transactions are already serial, see
``transaction_mode`` in the settings). If someone saved in between, the form
comes back with the editor's changes intact, not saved, and a message naming
who saved what and when. Saving once more is then a deliberate choice: it
replaces their version, which stays in the history.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

TOKEN = "_edit_token"  # noqa: S105 - a form field name, not a secret


def current_token(obj) -> str:
    """The id of the object's latest history record ("" if it has none yet)."""
    if obj is None or obj.pk is None:
        return ""
    latest = obj.history.order_by("-history_id").values_list("history_id", flat=True).first()
    return "" if latest is None else str(latest)


def guarded(form_class):
    """The admin form class with the stale-save check in ``clean()``."""

    class GuardedForm(form_class):
        def clean(self):
            cleaned = super().clean()
            if self.instance.pk is not None:
                self._check_edit_token()
            return cleaned

        def _check_edit_token(self):
            model = type(self.instance)
            model._default_manager.select_for_update().filter(pk=self.instance.pk).values_list("pk").first()
            latest = self.instance.history.order_by("-history_id").select_related("history_user").first()
            submitted, now = self.data.get(TOKEN), "" if latest is None else str(latest.history_id)
            if submitted == now:
                return
            self.edit_token_now = now  # the form comes back carrying the current token: saving again is deliberate
            if submitted is None:
                raise ValidationError(
                    "This form was sent without its edit token, so it could overwrite someone else's changes "
                    "unseen. Nothing was saved: reload the page and make the change again.",
                    code="edit_token_missing",
                )
            who = latest.history_user.get_username() if latest and latest.history_user else "someone"
            when = timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M:%S %Z") if latest else "?"
            meta = model._meta
            history = reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[self.instance.pk])
            raise ValidationError(
                format_html(
                    "{} saved this {} at {}, after you opened it. Your changes below are <strong>not saved</strong>. "
                    'Compare them with <a href="{}">the history</a>, then save again to replace that version with '
                    "yours (it stays in the history), or reload the page to start from it.",
                    who,
                    meta.verbose_name,
                    when,
                    history,
                ),
                code="edit_conflict",
            )

    GuardedForm.__name__ = GuardedForm.__qualname__ = f"Guarded{form_class.__name__}"
    return GuardedForm


class EditConflictGuard:
    """ModelAdmin mixin: change forms carry an edit token and refuse a stale save (see the module docstring)."""

    change_form_template = "admin/edit_guarded_change_form.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        match = getattr(request, "resolver_match", None)
        if change and match is not None and match.url_name and match.url_name.endswith("_change"):
            return guarded(form)
        return form  # the add form, and simple-history's revert form (a deliberate return to an old version)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        token = getattr(form, "edit_token_now", None)
        if token is None:  # keep the token the editor started from across re-displays for other errors
            token = request.POST.get(TOKEN) if request.method == "POST" else None
        context["edit_token"] = token if token is not None else current_token(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)
