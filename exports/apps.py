from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """The researchers' exports: CSV tables, JSON and the data package, declared once (``tables.py``)."""

    name = "exports"
    verbose_name = "Exports"

    def ready(self):
        # The claim admin's "Export selected claims as CSV": added here, so that sources needs nothing from exports.
        from django.contrib import admin

        from sources.models import Claim

        from .admin_actions import export_claims_csv

        claim_admin = admin.site._registry[Claim]
        claim_admin.actions = [export_claims_csv, *claim_admin.actions]
