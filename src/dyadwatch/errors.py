"""Errors of the library, and the catalogue of reason codes for rejected documents.

Exception tree::

    DyadwatchError
    ├── InputError            an input cannot be read or is not a supported document
    │   ├── EmptyInput
    │   ├── BinaryInput
    │   ├── TooLarge
    │   ├── DecodeError
    │   ├── CorruptArchive
    │   └── UnsupportedFormat
    ├── FetchError            a URL could not be fetched (network, robots.txt, policy)
    │   └── BlockedAddress    private, loopback or link-local address without --allow-private
    ├── ExtractionError       no article text could be found
    ├── KBError               a knowledge-base file is malformed (file, line, field)
    └── StoreError            the database could not be opened or migrated

Only the CLI, API and batch runner turn these into messages, exit codes or reject rows; each
carries a ``reason`` code from ``REASONS`` and a message that names the input and says how to fix it.
"""

from __future__ import annotations

REASONS: dict[str, str] = {
    "empty": "the input has no content",
    "binary": "the input is binary data, not text, HTML or a supported archive",
    "too_large": "the input exceeds the size limit",
    "decode": "the input is not valid text in any detected encoding",
    "corrupt_archive": "the archive or compressed stream is truncated or corrupt",
    "not_found": "the path does not exist",
    "unsupported_format": "the input is not in a supported format",
    "bad_record": "a record of a JSONL, feed or archive input is malformed",
    "too_deep": "the HTML is nested too deeply to parse safely",
    "no_text": "no article text was found",
    "fetch_failed": "the URL could not be fetched",
    "blocked_address": "the URL resolves to a private, loopback or link-local address",
    "robots": "robots.txt disallows fetching the URL",
    "timeout": "processing took longer than the time limit",
    "internal": "an unexpected error in a processing stage",
    "kb_invalid": "a knowledge-base record is invalid",
}


class DyadwatchError(Exception):
    """Base of every error the library raises on purpose."""

    reason = "internal"

    def __init__(self, message: str, *, source: str = "", reason: str | None = None):
        self.source = source
        if reason is not None:
            self.reason = reason
        super().__init__(f"{source}: {message}" if source else message)
        self.message = message


class InputError(DyadwatchError):
    reason = "unsupported_format"


class EmptyInput(InputError):
    reason = "empty"


class BinaryInput(InputError):
    reason = "binary"


class TooLarge(InputError):
    reason = "too_large"


class DecodeError(InputError):
    reason = "decode"


class CorruptArchive(InputError):
    reason = "corrupt_archive"


class UnsupportedFormat(InputError):
    reason = "unsupported_format"


class FetchError(DyadwatchError):
    reason = "fetch_failed"


class BlockedAddress(FetchError):
    reason = "blocked_address"


class ExtractionError(DyadwatchError):
    reason = "no_text"


class KBError(DyadwatchError):
    reason = "kb_invalid"

    def __init__(self, message: str, *, file: str = "", line: int = 0, field: str = ""):
        where = file + (f":{line}" if line else "") + (f" field '{field}'" if field else "")
        self.file, self.line, self.field = file, line, field
        super().__init__(message, source=where)


class StoreError(DyadwatchError):
    reason = "internal"
