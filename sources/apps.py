from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = "Sources and claims"

    def ready(self):
        from . import invalidation, services

        invalidation.connect()
        services.connect_signals()
