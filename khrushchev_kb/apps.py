from django.apps import AppConfig


class KnowledgeBaseConfig(AppConfig):
    """The project layer: the timeline, search and shared layout that span every app."""

    name = "khrushchev_kb"
    verbose_name = "Khrushchev knowledge base"
