from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Finding claims: the full-text engine, the claim filters, the /claims/ list and the /search/ page."""

    name = "search"
    verbose_name = "Search"

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from . import signals

        # Sent once per app that has models, after every migrate: this app has none, the indexed tables'
        # app does (and the signal comes after all migrations have run).
        post_migrate.connect(
            signals.repair_search_index, sender=apps.get_app_config("sources"), dispatch_uid="repair_search_index"
        )
