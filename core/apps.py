from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: helpers every app may use, importing no other app of the project."""

    name = "core"
    verbose_name = "Core"
