"""Build the archives of the sample corpus, deterministically, from the sources in sample/build/.

    python sample/build_archives.py            # (re)write corpus/archives/*
    python sample/build_archives.py --check    # exit 1 if the committed archives differ from a rebuild

What it writes is described by sample/build/archives.json:

- a gzip-compressed WARC 1.1 file: one ``warcinfo`` record, then for every page a ``response``
  record (HTTP 200, ``text/html``) and the ``request`` record that fetched it, as crawlers write them;
- ``.jsonl.gz`` files: a JSONL source gzip-compressed.

Reruns give identical bytes: WARC dates come from the manifest, record ids are UUIDv5 of the URL and
record type, and gzip headers carry no time stamp and no file name. (Deflate output is fixed for a
given zlib version; the manifest names the version that built the committed files.)
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import uuid
import zlib
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent
MANIFEST = SAMPLE / "build" / "archives.json"
# A fixed namespace for record ids, so that the same URL and record type always get the same id.
_ID_NAMESPACE = uuid.UUID("6f1c2a9e-3b7d-4c1e-9a52-d7e0b8f4a311")
_RECORD_KEYS = ("url", "path", "date", "last_modified", "server")


class ManifestError(ValueError):
    """sample/build/archives.json is missing a field or names a missing file."""


def load_manifest(path: Path = MANIFEST) -> dict:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for key in ("warc_file", "warcinfo", "records", "jsonl_gz"):
        if key not in manifest:
            raise ManifestError(f"{path}: missing top-level field {key!r}")
    for number, record in enumerate(manifest["records"], 1):
        missing = [k for k in _RECORD_KEYS if not record.get(k)]
        if missing:
            raise ManifestError(f"{path}: record {number} lacks {', '.join(missing)}")
        if not (SAMPLE / record["path"]).is_file():
            raise ManifestError(f"{path}: record {number}: no file {record['path']}")
    for item in manifest["jsonl_gz"]:
        if not (SAMPLE / item["source"]).is_file():
            raise ManifestError(f"{path}: no file {item['source']}")
    return manifest


def _http_date(iso: str) -> str:
    """An HTTP Date header for the crawl time ``iso`` (the server answered when the crawler asked)."""
    import datetime as dt
    from email.utils import format_datetime

    return format_datetime(dt.datetime.fromisoformat(iso.replace("Z", "+00:00")), usegmt=True)


def record_id(url: str, kind: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(_ID_NAMESPACE, kind + ' ' + url)}>"


def warc_bytes(manifest: dict) -> bytes:
    """The WARC file the manifest describes, gzip-compressed record by record."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    info = manifest["warcinfo"]
    name = Path(manifest["warc_file"]).name
    warcinfo = writer.create_warcinfo_record(name, {k: v for k, v in info.items() if k != "date"})
    warcinfo.rec_headers.replace_header("WARC-Record-ID", record_id(name, "warcinfo"))
    warcinfo.rec_headers.replace_header("WARC-Date", info["date"])
    writer.write_record(warcinfo)
    for page in manifest["records"]:
        body = (SAMPLE / page["path"]).read_bytes()
        http = StatusAndHeaders("200 OK", [
            ("Date", _http_date(page["date"])), ("Server", page["server"]),
            ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
            ("Last-Modified", page["last_modified"])], protocol="HTTP/1.1")
        response = writer.create_warc_record(
            page["url"], "response", payload=io.BytesIO(body), http_headers=http,
            warc_headers_dict={"WARC-Record-ID": record_id(page["url"], "response"),
                               "WARC-Date": page["date"], "WARC-Warcinfo-ID": record_id(name, "warcinfo")})
        host = page["url"].split("/")[2]
        path = "/" + page["url"].split("/", 3)[3]
        request = writer.create_warc_record(
            page["url"], "request", payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders(f"GET {path} HTTP/1.1", [
                ("Host", host), ("User-Agent", info["http-header-user-agent"]),
                ("Accept", "text/html,application/xhtml+xml"), ("Accept-Encoding", "identity")],
                is_http_request=True),
            warc_headers_dict={"WARC-Record-ID": record_id(page["url"], "request"),
                               "WARC-Date": page["date"], "WARC-Warcinfo-ID": record_id(name, "warcinfo")})
        writer.write_request_response_pair(request, response)
    return out.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    """``data`` gzip-compressed with no time stamp and no file name in the header."""
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return out.getvalue()


def build(manifest: dict | None = None) -> dict[str, bytes]:
    """Every archive the manifest describes: {path relative to sample/: bytes}."""
    manifest = manifest or load_manifest()
    outputs = {manifest["warc_file"]: warc_bytes(manifest)}
    for item in manifest["jsonl_gz"]:
        outputs[item["target"]] = gzip_bytes((SAMPLE / item["source"]).read_bytes())
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare a rebuild with the committed archives; write nothing")
    args = parser.parse_args(argv)
    manifest = load_manifest()
    outputs = build(manifest)
    if args.check:
        stale = [p for p, data in outputs.items()
                 if not (SAMPLE / p).is_file() or (SAMPLE / p).read_bytes() != data]
        for p in stale:
            print(f"differs from a rebuild: sample/{p}", file=sys.stderr)
        if stale and zlib.ZLIB_RUNTIME_VERSION != manifest.get("zlib_version"):
            print(f"note: this zlib is {zlib.ZLIB_RUNTIME_VERSION}, the archives were built with "
                  f"{manifest.get('zlib_version')}; compressed bytes may differ", file=sys.stderr)
        return 1 if stale else 0
    for p, data in outputs.items():
        target = SAMPLE / p
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"wrote sample/{p} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
