"""Cutting inputs into shards, fingerprinting them, and reading the documents of one shard.

A shard is a unit of work that can be redone on its own:

- ``files``: consecutive files (a directory's files in ``read_path`` order; single-document
  files, feeds, small archives), read with ``iter_documents`` exactly as ``ingest`` reads them;
- ``jsonl``: a range of lines of a JSONL file (plain: from a byte offset found when planning;
  gzip: lines skipped up to the first one, since a gzip stream cannot be entered in the middle);
- ``warc``: a range of records of a WARC file, from the byte offset of its first record (plain
  WARC, or record-per-member gzip as every crawler writes; a whole-file gzip is one shard).

Documents keep the names ``ingest`` gives them (``FILE#L12``, ``FILE#7``), so a batch and an
ingest of the same input store the same rows. A shard's id is a hash of what it covers; its
fingerprint adds each file's size and modification time and the options, so a rerun redoes a
shard exactly when its input or the settings changed.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import json
import logging
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from dyadwatch.config import Options
from dyadwatch.errors import KBError
from dyadwatch.ingest import is_url, iter_documents
from dyadwatch.ingest.jsonl import record_document, reject_id
from dyadwatch.ingest.sniff import SNIFF_BYTES, is_gzip, sniff
from dyadwatch.model import Document, Rejected

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
SETTINGS_FILE = DATA_DIR / "batch.json"
SCHEMA_FILE = DATA_DIR / "batch.schema.json"


@dataclass(frozen=True, slots=True)
class Settings:
    files_per_shard: int
    records_per_shard: int
    inflight_per_worker: int


def load_settings(path: Path = SETTINGS_FILE, schema: Path = SCHEMA_FILE) -> Settings:
    """The batch settings in ``path``, validated against ``schema`` (KBError names the field)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.validate(data, json.loads(schema.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise KBError(f"cannot read the settings file: {exc}", file=str(path)) from exc
    except jsonschema.ValidationError as exc:
        raise KBError(f"invalid settings file: {exc.message}", file=str(path),
                      field="/".join(str(p) for p in exc.absolute_path)) from exc
    return Settings(**{k: v for k, v in data.items() if k != "notes"})


@functools.lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


@dataclass(frozen=True, slots=True)
class ShardSpec:
    """What one shard covers. ``first``/``count`` number records as ``ingest`` does (JSONL
    lines and WARC records from 1); ``offset`` is the byte where record ``first`` starts."""

    kind: str  # files | jsonl | warc
    paths: tuple[str, ...]
    offset: int = 0
    first: int = 1
    count: int = 0
    gzip: bool = False

    @property
    def id(self) -> str:
        key = json.dumps(dataclasses.asdict(self), sort_keys=True)
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"paths": list(self.paths)}


# --------------------------------------------------------------------------------------------
# planning


def expand(inputs: Iterable[str]) -> Iterator[str]:
    """Every file under the inputs, in ``read_path`` order (URLs and missing paths as given)."""
    for item in inputs:
        p = Path(item)
        if is_url(item) or not p.is_dir():
            yield item
            continue
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    yield str(Path(root) / name)


def _head(path: str) -> tuple[bytes, bool]:
    """The first decompressed bytes of a file, and whether it is gzip."""
    with open(path, "rb") as f:
        raw = f.read(1 << 16)
    if not is_gzip(raw):
        return raw[:SNIFF_BYTES], False
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, SNIFF_BYTES), True


def _splittable(path: str, format: str) -> tuple[str, bool] | None:
    """("jsonl" | "warc", gzip) when the file is a record stream we can cut into ranges."""
    if is_url(path) or not os.path.isfile(path):
        return None
    try:
        head, gz = _head(path)
        fmt = format if format != "auto" else sniff(head, path)
    except Exception:  # noqa: BLE001 - unreadable: a files shard, whose reader reports it
        return None
    if fmt == "warc" and head.lstrip().startswith(b"WARC/"):  # ARC files are not cut
        return "warc", gz
    if fmt == "jsonl":
        return "jsonl", gz
    return None


def plan(inputs: Iterable[str], *, format: str = "auto",
         config: Settings | None = None) -> Iterator[ShardSpec]:
    """The shards of ``inputs``, streamed: a directory of millions of files is never listed
    whole."""
    config = config or settings()
    pending: list[str] = []
    for path in expand(inputs):
        split = _splittable(path, format)
        if split is None:
            pending.append(path)
            if len(pending) >= config.files_per_shard:
                yield ShardSpec("files", tuple(pending))
                pending = []
            continue
        if pending:  # shards follow the order of the inputs (the first sighting of a document
            yield ShardSpec("files", tuple(pending))  # is the one kept, as in ingest)
            pending = []
        kind, gz = split
        try:
            ranges = (_jsonl_ranges if kind == "jsonl" else _warc_ranges)(
                path, gz, config.records_per_shard)
        except Exception as exc:  # noqa: BLE001 - damaged stream: read it whole, as ingest does
            log.info("%s: not cut into record ranges (%s); one shard", path, exc)
            yield ShardSpec("files", (path,))
            continue
        for offset, first, count in ranges:
            yield ShardSpec(kind, (path,), offset=offset, first=first, count=count, gzip=gz)
    if pending:
        yield ShardSpec("files", tuple(pending))


def _jsonl_ranges(path: str, gz: bool, per_shard: int) -> list[tuple[int, int, int]]:
    """(byte offset, first line, lines) of each range; the offset is 0 for gzip (skipped)."""
    ranges = []
    opener = gzip.open if gz else open
    offset, number, start, first = 0, 0, 0, 1
    with opener(path, "rb") as f:
        for line in f:
            number += 1
            if number - first == per_shard:
                ranges.append((0 if gz else start, first, per_shard))
                start, first = offset, number
            offset += len(line)
    if number >= first:
        ranges.append((0 if gz else start, first, number - first + 1))
    return ranges


def _warc_ranges(path: str, gz: bool, per_shard: int) -> list[tuple[int, int, int]]:
    from warcio.archiveiterator import ArchiveIterator

    starts: list[tuple[int, int]] = []
    number = 0
    with open(path, "rb") as f:
        records = ArchiveIterator(f, arc2warc=True)
        for _record in records:
            number += 1
            if (number - 1) % per_shard == 0:
                starts.append((records.get_record_offset(), number))
    offsets = [o for o, _ in starts]
    if any(b <= a for a, b in zip(offsets, offsets[1:])):
        raise ValueError("records cannot be entered in the middle (one gzip stream?)")
    return [(o, n, min(per_shard, number - n + 1)) for o, n in starts]


# --------------------------------------------------------------------------------------------
# fingerprints


def options_digest(options: Options) -> str:
    data = json.dumps(dataclasses.asdict(options), sort_keys=True, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def fingerprint(spec: ShardSpec, *, format: str, options: Options) -> dict[str, Any]:
    """What must match for a finished shard to count as done on a rerun."""
    from dyadwatch import __version__

    files = []
    for path in spec.paths:
        try:
            st = os.stat(path)
            files.append([path, st.st_size, st.st_mtime_ns])
        except OSError:
            files.append([path, None, None])  # a URL, or a file that vanished
    return {"files": files, "format": format, "options": options_digest(options),
            "version": __version__}


# --------------------------------------------------------------------------------------------
# reading a shard


def read_shard(spec: ShardSpec, *, format: str = "auto",
               options: Options | None = None) -> Iterator[Document | Rejected]:
    """The documents and rejects of one shard, named as ``iter_documents`` names them."""
    options = options or Options()
    limit = options.ingest.max_document_bytes
    if spec.kind == "files":
        yield from iter_documents(list(spec.paths), format=format, options=options)
    elif spec.kind == "jsonl":
        yield from _read_jsonl_range(spec, limit)
    elif spec.kind == "warc":
        yield from _read_warc_range(spec, limit)
    else:
        raise ValueError(f"unknown shard kind {spec.kind!r}")


def _jsonl_lines(spec: ShardSpec) -> Iterator[tuple[int, bytes]]:
    path = spec.paths[0]
    if spec.gzip:
        with gzip.open(path, "rb") as f:
            for number, line in enumerate(f, 1):
                if number >= spec.first + spec.count:
                    return
                if number >= spec.first:
                    yield number, line
        return
    with open(path, "rb") as f:
        f.seek(spec.offset)
        for number in range(spec.first, spec.first + spec.count):
            line = f.readline()
            if not line:
                return
            yield number, line


def _read_jsonl_range(spec: ShardSpec, limit: int) -> Iterator[Document | Rejected]:
    """As ``ingest.jsonl.read_jsonl`` over the range's lines (same names, checks and rejects)."""
    source = spec.paths[0]
    try:
        for number, raw in _jsonl_lines(spec):
            where = f"{source}#L{number}"
            if not raw.strip():
                continue
            if len(raw) > limit:
                yield Rejected(reject_id(where), where, "read", "too_large",
                               f"{where}: the record has {len(raw):,} bytes, above the limit of "
                               f"{limit:,}")
                continue
            yield record_document(raw, where)
    except (OSError, EOFError, zlib.error) as exc:
        yield Rejected(reject_id(source), source, "read", "corrupt_archive",
                       f"{source}: the compressed stream is truncated or corrupt ({exc}); "
                       "records before the damage were read")


def _read_warc_range(spec: ShardSpec, limit: int) -> Iterator[Document | Rejected]:
    """As ``ingest.warc.read_warc`` over the range's records."""
    from warcio.archiveiterator import ArchiveIterator

    from dyadwatch.ingest.warc import _record_document  # the reader's own record rules

    source = spec.paths[0]
    number = spec.first - 1
    try:
        with open(source, "rb") as f:
            f.seek(spec.offset)
            for record in ArchiveIterator(f, arc2warc=True):
                if number >= spec.first + spec.count - 1:
                    return
                number += 1
                doc = _record_document(record, f"{source}#{number}", limit)
                if doc is not None:
                    yield doc
    except Exception as exc:  # noqa: BLE001 - as read_warc: any failure of the iterator is damage
        where = f"{source}#{number + 1}"
        yield Rejected(reject_id(where), where, "read", "corrupt_archive",
                       f"{where}: the archive is truncated or corrupt after record {number} "
                       f"({exc.__class__.__name__}: {exc}); records before it were read")
