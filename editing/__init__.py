"""Editing safety shared by every app's admin (a ground-floor package, like ``caching``)."""
