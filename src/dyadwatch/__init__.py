"""dyadwatch: evidence-linked political event data about relations between countries."""

import logging

from dyadwatch.model import Analysis, Article, Document, Event, Flag, Mention, Rejected

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())


def analyze(path_or_text, **kwargs):
    """Analyse one document (a path, URL, bytes or a Document); see ``dyadwatch.pipeline.analyze``."""
    from dyadwatch.pipeline import analyze as _analyze

    return _analyze(path_or_text, **kwargs)


__all__ = ["analyze", "Analysis", "Article", "Document", "Event", "Flag", "Mention", "Rejected",
           "__version__"]
