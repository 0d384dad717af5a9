"""API tokens: ``dyadwatch token create`` makes one, the API checks it on every write.

A token reads ``dw_<id>_<secret>``: the id (8 hex digits) is public and names the row; the secret
is 32 random bytes. Only the SHA-256 of the whole token is stored, so a copy of the database
gives no usable token; the comparison is constant-time. A revoked token stays listed (who had
access, and until when) but no longer opens anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

from dyadwatch.store import dyads as q

log = logging.getLogger(__name__)

PREFIX = "dw"
_TOKEN = re.compile(r"^dw_([0-9a-f]{8})_([A-Za-z0-9_-]{20,100})$")


@dataclass(frozen=True, slots=True)
class NewToken:
    id: str
    name: str
    token: str  # shown once, never stored


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def create_token(conn: Any, name: str = "") -> NewToken:
    """Make and record a token; the returned secret is the only copy."""
    tid = secrets.token_hex(4)
    token = f"{PREFIX}_{tid}_{secrets.token_urlsafe(32)}"
    q.insert_token(conn, tid, name.strip(), hash_token(token), _now())
    log.info("API token %s created", tid)
    return NewToken(tid, name.strip(), token)


def verify_token(conn: Any, token: str) -> str | None:
    """The id of a valid, unrevoked token; None otherwise."""
    m = _TOKEN.match(token or "")
    if not m:
        return None
    row = q.token(conn, m.group(1))
    if row is None or row["revoked_at"] is not None:
        return None
    if not hmac.compare_digest(row["token_hash"], hash_token(token)):
        return None
    return row["id"]


def list_tokens(conn: Any) -> list[dict[str, Any]]:
    return q.tokens(conn)


def revoke_token(conn: Any, tid: str) -> bool:
    return q.revoke_token(conn, tid, _now())


def touch(conn: Any, tid: str) -> None:
    q.touch_token(conn, tid, _now())
