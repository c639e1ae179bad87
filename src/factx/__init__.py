"""factx: typed, grounded facts from news articles.

    >>> import factx
    >>> record = factx.extract(open("article.txt").read())
    >>> [fact.type for fact in record.facts]
"""

from factx.api import extract, extract_many
from factx.errors import BackendError, ConfigError, FactxError, InputError, ModelAnswerError, OutputError
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
from factx.reading import Document
from factx.settings import Settings

__all__ = [
    "FACT_TYPES", "Agreement", "BackendError", "ConfigError", "Document", "Evidence", "Extractor",
    "FactxError", "Federation", "InputError", "Mission", "ModelAnswerError", "OutputError", "Mou", "Party", "Person", "Place", "Record", "Settings",
    "extract", "extract_many",
]
__version__ = "0.1.0"
