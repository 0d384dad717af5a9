"""Near-duplicate articles: syndicated wire copies, updated versions, lightly edited copies.

Each text becomes the set of its word k-shingles (k = 5: short enough that a changed word only
breaks 5 shingles, long enough that unrelated texts share almost none); a MinHash signature of
that set goes into a MinHash LSH index (datasketch), streaming: ``add`` first queries the index,
then inserts. LSH candidates are checked against the estimated Jaccard similarity of their
signatures, so a reported pair really is above the threshold (up to MinHash's estimation error).
Exact copies (same words after normalisation) are found by hash before any MinHash.

Parameters (shingle size, permutations, Jaccard threshold) are in ``data/stories.json``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from dyadwatch.stories.settings import settings

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
# datasketch 2's 32-bit affine permutations, named explicitly: stored signatures are only
# comparable with signatures of the same scheme.
SCHEME = "affine32"


def words(text: str) -> list[str]:
    """Lower-cased word tokens: punctuation, case and spacing changes do not count as edits."""
    return _WORD.findall(text.lower())


def shingles(text: str, k: int) -> set[bytes]:
    """Word k-shingles of ``text`` (a text shorter than k words is one shingle)."""
    w = words(text)
    if len(w) <= k:
        return {" ".join(w).encode("utf-8")} if w else set()
    return {" ".join(w[i:i + k]).encode("utf-8") for i in range(len(w) - k + 1)}


def fingerprint(text: str) -> str:
    """Hash of the normalised word sequence: equal for exact copies."""
    return hashlib.sha1(" ".join(words(text)).encode("utf-8")).hexdigest()


def _crc32(data: bytes) -> int:
    """32-bit shingle hash. CRC32 is C-fast and stable across processes (unlike ``hash``), and
    the MinHash permutations spread its values; datasketch's default SHA-1 is 3x slower here."""
    return zlib.crc32(data)


@dataclass(frozen=True)
class Match:
    key: str
    similarity: float  # estimated Jaccard similarity of the shingle sets (1.0 for exact copies)
    exact: bool


class NearDuplicates:
    """A streaming near-duplicate index. ``add(key, text)`` returns the earlier texts it
    near-duplicates (best first) and indexes it; ``query(text)`` only looks."""

    def __init__(self, threshold: float | None = None, num_perm: int | None = None,
                 shingle_words: int | None = None, seed: int | None = None,
                 min_words: int | None = None):
        from datasketch import MinHash, MinHashLSH

        cfg: dict[str, Any] = settings()["dedup"]
        self.threshold = cfg["threshold"] if threshold is None else threshold
        self.num_perm = num_perm or cfg["num_perm"]
        self.k = shingle_words or cfg["shingle_words"]
        self.min_words = cfg.get("min_words", 0) if min_words is None else min_words
        template = MinHash(num_perm=self.num_perm, seed=cfg["seed"] if seed is None else seed,
                           hashfunc=_crc32, scheme=SCHEME)
        self._permutations = template.permutations  # shared: building them per text is costly
        self._seed = template.seed
        self._minhash = MinHash
        # LSH banding tuned for recall (false-negative weight high): its false positives cost
        # only a signature comparison, because every candidate is verified below.
        fp_weight, fn_weight = cfg.get("lsh_weights", [0.5, 0.5])
        self.lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm,
                              weights=(fp_weight, fn_weight))
        self.signatures: dict[str, np.ndarray] = {}
        self.exact: dict[str, str] = {}  # fingerprint -> first key

    def __len__(self) -> int:
        return len(self.signatures)

    def __contains__(self, key: str) -> bool:
        return key in self.signatures

    def signature(self, text: str):
        """The MinHash of ``text``'s shingles (None when it has fewer than ``min_words`` words)."""
        sh = shingles(text, self.k)
        if len(sh) + self.k - 1 < self.min_words or not sh:
            return None
        m = self._minhash(num_perm=self.num_perm, seed=self._seed, hashfunc=_crc32,
                          permutations=self._permutations, scheme=SCHEME)
        m.update_batch(sh)
        return m

    def query(self, text: str, *, exclude: str = "") -> list[Match]:
        return self._query(fingerprint(text), self.signature(text), exclude)

    def add(self, key: str, text: str) -> list[Match]:
        """Near-duplicates of ``text`` among the texts added before, then index it under ``key``
        (a key added twice is looked up but not indexed again)."""
        fp = fingerprint(text)
        sig = self.signature(text)
        found = self._query(fp, sig, exclude=key)
        if key not in self.signatures:
            self.exact.setdefault(fp, key)
            if sig is not None:
                self.lsh.insert(key, sig, check_duplication=False)
                self.signatures[key] = sig.hashvalues
        return found

    def add_signature(self, key: str, hashvalues: np.ndarray, fp: str = "") -> None:
        """Index a stored signature (rebuilding the index from a database)."""
        if key in self.signatures:
            return
        m = self._minhash(num_perm=self.num_perm, seed=self._seed, hashfunc=_crc32,
                          hashvalues=hashvalues, permutations=self._permutations, scheme=SCHEME)
        self.lsh.insert(key, m, check_duplication=False)
        self.signatures[key] = m.hashvalues
        if fp:
            self.exact.setdefault(fp, key)

    def _query(self, fp: str, sig, exclude: str) -> list[Match]:
        out: dict[str, Match] = {}
        first = self.exact.get(fp)
        if first and first != exclude:
            out[first] = Match(first, 1.0, True)
        if sig is not None:
            for key in self.lsh.query(sig):
                if key == exclude or key in out:
                    continue
                sim = float(np.mean(self.signatures[key] == sig.hashvalues))
                if sim >= self.threshold:
                    out[key] = Match(key, sim, False)
        return sorted(out.values(), key=lambda m: (-m.similarity, m.key))


def encode_signature(hashvalues: np.ndarray) -> str:
    """A signature as hex text (portable SQL: no BLOB column needed)."""
    return np.asarray(hashvalues, dtype="<u4").tobytes().hex()


def decode_signature(text: str) -> np.ndarray:
    return np.frombuffer(bytes.fromhex(text), dtype="<u4").astype(np.uint32)
