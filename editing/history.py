"""django-simple-history's admin, answering 404 rather than 500 to an address that names no version."""

from django.core.exceptions import ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class SafeHistoryAdmin(SimpleHistoryAdmin):
    """``/admin/<app>/<model>/<id>/history/x/`` raised ValueError (a 500): ids are checked before any query."""

    def _check_ids(self, object_id, version_id=None) -> None:
        try:
            self.model._meta.pk.to_python(object_id)
            if version_id is not None:
                int(version_id)
        except (ValueError, TypeError, ValidationError):
            raise Http404("No such version.") from None

    def history_view(self, request, object_id, extra_context=None):
        self._check_ids(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_ids(object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)
