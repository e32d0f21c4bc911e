from django.apps import AppConfig


class CachingConfig(AppConfig):
    """Caches that stay correct across processes: keyed on a content version kept in the database.

    A ground-floor app like ``people``: it imports no other app of the project,
    and every app may use it.
    """

    name = "caching"
    verbose_name = "Caching"

    def ready(self):
        from . import versioning

        versioning.connect_signals()
