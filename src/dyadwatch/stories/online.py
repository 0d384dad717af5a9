"""What the ingest pipeline calls after each stored document.

    story_id = assign(store, analysis)        # cluster the document into a story, persisted
    merge_story_events(store, story_id)       # re-merge that story's events and rebuild its card

``assign_stored(store)`` does the same for documents already in the store without a story
(``dyadwatch stories assign``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from dyadwatch.model import Analysis
from dyadwatch.stories.cluster import (Assignment, DocFeatures, features_from_analysis,
                                       features_from_dict)
from dyadwatch.stories.merge import merge_story_events

log = logging.getLogger(__name__)

__all__ = ["assign", "assign_document", "assign_stored", "merge_story_events"]


def assign_document(store, features: DocFeatures, *, embed: bool = False) -> Assignment:
    """Cluster one document (its features) into a story and persist the result. A document
    already assigned keeps its story."""
    from dyadwatch.store import stories as story_store

    known = story_store.assigned(store, features.doc_id)
    if known:
        return Assignment(features.doc_id, known, 1.0, False)
    clusterer = story_store.clusterer_for(store, embed=embed)
    story_store.cover(store, clusterer, features.day)
    result = clusterer.add(features)
    story_store.save_assignment(store, clusterer, features, result)
    return result


def assign(store, analysis: Analysis) -> str:
    """The story id of ``analysis``'s document (joined or started), stored in ``store``."""
    return assign_document(store, features_from_analysis(analysis)).story_id


def assign_stored(store, *, merge: bool = True,
                  progress: Callable[[Assignment], None] | None = None) -> dict[str, int]:
    """Assign every stored document that has no story yet (oldest first); then merge the events
    of every story that changed. Returns counts."""
    from dyadwatch.store import stories as story_store

    changed: set[str] = set()
    counts = {"documents": 0, "new_stories": 0, "duplicates": 0}
    for doc_id in story_store.unassigned(store):
        analysis = store.analysis(doc_id)
        if analysis is None:
            continue
        result = assign_document(store, features_from_dict(analysis))
        changed.add(result.story_id)
        counts["documents"] += 1
        counts["new_stories"] += int(result.new_story)
        counts["duplicates"] += int(bool(result.duplicate_of))
        if progress is not None:
            progress(result)
    if merge:
        for sid in sorted(changed):
            merge_story_events(store, sid)
    counts["stories_merged"] = len(changed) if merge else 0
    return counts
