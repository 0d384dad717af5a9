"""PostgreSQL as the server store: many readers, concurrent writers (psycopg 3).

``PostgresStore`` is a ``Store`` whose connection speaks PostgreSQL: the schema is the same
migration files, and the methods are the same SQL (``save``, ``save_reject``, ``counts``,
``query``, ``events``, ``analysis``, ``migrate``). ``PgConnection`` adapts psycopg to the DuckDB
calls the store makes — ``?`` placeholders become ``%s``, ``executemany`` runs on a cursor, JSON
comes back as text — so that shared code (``store.stories``, most of ``store.dyads``) runs
unchanged where its SQL is portable.

Concurrent writers: ``save`` holds a transaction-independent advisory lock on the document id
while it checks and inserts, so two processes storing the same document store it once (the
other records a duplicate sighting); ``migrate`` holds one lock so two first connections do not
both create the schema.
"""

from __future__ import annotations

import functools
import logging
import re
import zlib
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dyadwatch.errors import StoreError
from dyadwatch.model import Analysis
from dyadwatch.store import Store

log = logging.getLogger(__name__)

URL_SCHEMES = ("postgresql://", "postgres://")

# Advisory lock keys (64-bit): one for migrations, and per document a hash of its id in its own
# key space (the first argument of the two-key form), so that the two never collide.
_MIGRATE_LOCK = 0x647977_0001
_DOC_LOCK_SPACE = 0x6477

_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|%")


def is_postgres_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(URL_SCHEMES)


def redact(url: str) -> str:
    """The URL without its password (for messages and ``store.path``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """DuckDB/DB-API qmark SQL as psycopg format SQL: ``?`` -> ``%s`` outside quoted strings
    and identifiers, and every ``%`` -> ``%%`` (psycopg reads placeholders even inside quotes)."""
    def sub(m: re.Match[str]) -> str:
        tok = m.group(0)
        return "%s" if tok == "?" else tok.replace("%", "%%")
    return _TOKEN.sub(sub, sql)


class PgCursor:
    """A psycopg cursor that takes qmark SQL."""

    def __init__(self, cur: Any):
        self._cur = cur

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> "PgCursor":
        self._cur.execute(translate(sql), _params(params))
        return self

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> "PgCursor":
        self._cur.executemany(translate(sql), [list(r) for r in rows])
        return self

    @property
    def description(self) -> Any:
        return self._cur.description

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cur.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cur.fetchall()

    def close(self) -> None:
        self._cur.close()


def _params(params: Sequence[Any] | None) -> list[Any] | None:
    return None if params is None else list(params)


class PgConnection:
    """The subset of a DuckDB connection the store uses, over one psycopg connection in autocommit
    mode (explicit ``BEGIN TRANSACTION`` / ``COMMIT`` / ``ROLLBACK`` statements, as in DuckDB)."""

    def __init__(self, raw: Any):
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PgCursor:
        return PgCursor(self.raw.cursor()).execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        return PgCursor(self.raw.cursor()).executemany(sql, rows)

    def cursor(self) -> PgCursor:
        return PgCursor(self.raw.cursor())

    def close(self) -> None:
        self.raw.close()


def connect(url: str, *, schema: str | None = None) -> Any:
    """A psycopg connection (autocommit; JSON columns read as text, as DuckDB returns them)."""
    import psycopg
    from psycopg.types.string import TextLoader

    try:
        raw = psycopg.connect(url, autocommit=True)
    except psycopg.Error as exc:
        raise StoreError(f"cannot connect to PostgreSQL: {exc}".strip(),
                         source=redact(url)) from exc
    for name in ("json", "jsonb"):
        raw.adapters.register_loader(name, TextLoader)
    if schema:
        from psycopg import sql

        raw.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        raw.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    return raw


class PostgresStore(Store):
    """The store in a PostgreSQL database (``postgresql://user:password@host:port/dbname``).

    ``schema`` puts the tables in a schema of their own (created when missing), e.g. one per
    project or per test. ``read_only`` skips migrations and sets the session read-only.
    """

    def __init__(self, url: str, *, read_only: bool = False, schema: str | None = None):
        self.url = url
        self.path = redact(url) + (f" (schema {schema})" if schema else "")
        self.schema = schema
        self.conn = PgConnection(connect(url, schema=schema))
        if read_only:
            self.conn.raw.execute("SET default_transaction_read_only = on")
        else:
            self.migrate()

    @property
    def raw(self) -> Any:
        """The psycopg connection, for PostgreSQL-only work (COPY)."""
        return self.conn.raw

    def migrate(self) -> list[int]:
        with self._advisory(_MIGRATE_LOCK):
            return super().migrate()

    def save(self, analysis: Analysis) -> bool:
        """As ``Store.save``; the document's lock makes concurrent writers store it once."""
        with self._advisory(_DOC_LOCK_SPACE, analysis.article.doc_id):
            return super().save(analysis)

    def _advisory(self, key: int, text: str | None = None) -> "_AdvisoryLock":
        return _AdvisoryLock(self.conn.raw, key, text)


class _AdvisoryLock:
    """A session advisory lock, released on exit (held across the statements of a transaction)."""

    def __init__(self, raw: Any, key: int, text: str | None):
        if text is None:
            self.args: tuple[str, list[int]] = ("%s", [key])
        else:  # two 32-bit keys: the space, and a stable hash of the text
            h = zlib.crc32(text.encode("utf-8")) - (1 << 31)
            self.args = ("%s, %s", [key, h])
        self.raw = raw

    def __enter__(self) -> None:
        self.raw.execute(f"SELECT pg_advisory_lock({self.args[0]})", self.args[1])

    def __exit__(self, *exc: object) -> None:
        try:
            self.raw.execute(f"SELECT pg_advisory_unlock({self.args[0]})", self.args[1])
        except Exception:  # noqa: BLE001 - a broken connection releases its locks itself
            log.warning("could not release an advisory lock (connection lost?)")
