"""The apps that hold the knowledge base's content, declared once.

Their models are what editors write (and history records), what the caches
follow (a write to one that ``sources/invalidation.py`` does not describe
invalidates everything: ``caching/versioning.py``), what a backup holds
(``khrushchev_kb/backup.py``), what the Editors group may change
(``khrushchev_kb/roles.py``) and what the tests compare before and after a
refused write (``tests/conftest.py``). ``taggit`` holds the tags.
"""

CONTENT_APPS = ("people", "events", "sources", "taggit")
