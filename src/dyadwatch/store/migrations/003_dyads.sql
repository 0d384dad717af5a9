-- Schema version 3: watchlists, alerts and API tokens (dyadwatch.alerts, dyadwatch.api).
-- Portable SQL: the same file runs on DuckDB and PostgreSQL. Ids are made in Python.

-- A watchlist holds rules as JSON (see dyadwatch.alerts.Rule). checked_at is the high-water mark
-- of documents.ingested_at already matched: a scan looks only at documents ingested after it, so
-- an alert is raised once, for newly ingested events only.
CREATE TABLE watchlists (
    id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    rules JSON NOT NULL,
    webhook VARCHAR,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    checked_at TIMESTAMP NOT NULL
);

-- One alert per (watchlist, event). delivery: pending | delivered | failed | none (no webhook).
CREATE TABLE alerts (
    id VARCHAR PRIMARY KEY,
    watchlist_id VARCHAR NOT NULL,
    event_id VARCHAR NOT NULL,
    doc_id VARCHAR NOT NULL,
    reason VARCHAR,
    created_at TIMESTAMP NOT NULL,
    delivery VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    delivered_at TIMESTAMP,
    last_error VARCHAR,
    UNIQUE (watchlist_id, event_id)
);

CREATE INDEX alerts_created ON alerts (created_at);

-- API tokens: only the SHA-256 of the whole token is kept; the id is the token's public prefix.
CREATE TABLE api_tokens (
    id VARCHAR PRIMARY KEY,
    name VARCHAR,
    token_hash VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

-- Alert scans read documents by ingestion time.
CREATE INDEX documents_ingested ON documents (ingested_at);
