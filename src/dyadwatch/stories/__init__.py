"""Stories: one happening reported by many articles.

- ``similarity``: story similarity of two texts (embeddings + TF-IDF), ``dyadwatch similar``
- ``embed``: all-MiniLM-L6-v2 sentence embeddings in numpy
- ``dedup``: near-duplicate articles (MinHash LSH over word shingles), streaming
- ``cluster``: online story clustering of analysed documents (entities, dates, text)
- ``merge``: one event per happening across the articles of a story, with its mentions and counts
- ``card``: a story's key facts card, each line naming its sources
"""


def __getattr__(name: str):
    """``assign`` and ``merge_story_events`` without importing the store at package import."""
    if name in ("assign", "assign_document", "assign_stored", "merge_story_events"):
        from dyadwatch.stories import online

        return getattr(online, name)
    raise AttributeError(name)
