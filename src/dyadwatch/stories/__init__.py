"""Stories: one happening reported by many articles.

- ``similarity``: story similarity of two texts (embeddings + TF-IDF), ``dyadwatch similar``
- ``embed``: all-MiniLM-L6-v2 sentence embeddings in numpy
- ``dedup``: near-duplicate articles (MinHash LSH over word shingles), streaming
- ``cluster``: online story clustering of analysed documents (entities, dates, text)
- ``merge``: one event per happening across the articles of a story, with its mentions and counts
- ``card``: a story's key facts card, each line naming its sources
"""
