"""The period the knowledge base covers, declared once.

The timeline's chart and year sections, the admin's year filter, the synthetic
data's dates, the data package's title and the pages' headings all read it from
here (templates through the ``period`` context processor).
"""

FIRST_YEAR = 1953
LAST_YEAR = 1971
YEARS = range(FIRST_YEAR, LAST_YEAR + 1)
LABEL = f"{FIRST_YEAR}–{LAST_YEAR}"  # with an en dash, for pages
ASCII_LABEL = f"{FIRST_YEAR}-{LAST_YEAR}"  # for data files


def context(request) -> dict:
    """Template context processor: ``{{ period.label }}``, ``{{ period.first }}``, ``{{ period.last }}``."""
    return {"period": {"label": LABEL, "first": FIRST_YEAR, "last": LAST_YEAR}}
