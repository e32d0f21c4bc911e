"""URL converters the routes share."""


class UnicodeSlugConverter:
    """A slug in any script (``оттепель``), as django-taggit makes them; Django's ``slug`` is ASCII-only."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
