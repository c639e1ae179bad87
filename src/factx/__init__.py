"""factx: typed, grounded facts from news articles.

    >>> import factx
    >>> record = factx.extract(open("article.txt").read())
    >>> [fact.type for fact in record.facts]
"""

from factx.api import extract, extract_many
from factx.backends import BackendError, Settings
from factx.models import (
    FACT_TYPES,
    Agreement,
    Evidence,
    Federation,
    Mission,
    Mou,
    Party,
    Person,
    Place,
    Record,
)
from factx.pipeline import Extractor
from factx.reading import Document, InputError

__all__ = [
    "FACT_TYPES", "Agreement", "BackendError", "Document", "Evidence", "Extractor", "Federation",
    "InputError", "Mission", "Mou", "Party", "Person", "Place", "Record", "Settings",
    "extract", "extract_many",
]
__version__ = "0.1.0"
