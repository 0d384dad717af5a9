-- Schema version 5: the live monitor's state (dyadwatch.monitor), so that a restart, even after
-- SIGKILL, resumes where it stopped. Portable SQL: the same file runs on DuckDB and PostgreSQL.

-- One row per source ever configured; a source taken out of the config file is kept inactive
-- (its history stays visible). etag, last_modified and content_hash are written only once every
-- item of the response they describe is stored: a kill mid-round makes the next poll fetch the
-- whole response again instead of being told "304 Not Modified" about items it never stored.
CREATE TABLE monitor_sources (
    id VARCHAR PRIMARY KEY,
    url VARCHAR NOT NULL,
    name VARCHAR,
    kind VARCHAR NOT NULL,
    interval_seconds DOUBLE PRECISION NOT NULL,
    active BOOLEAN NOT NULL,
    added_at TIMESTAMP NOT NULL,
    next_due TIMESTAMP NOT NULL,
    etag VARCHAR,
    last_modified VARCHAR,
    content_hash VARCHAR,
    last_polled_at TIMESTAMP,
    last_success_at TIMESTAMP,
    last_new_at TIMESTAMP,
    last_status INTEGER,
    consecutive_failures INTEGER NOT NULL,
    last_error VARCHAR,
    items_stored BIGINT NOT NULL
);

-- Items of a source already handled. A row is written only after its document is stored (or
-- found a duplicate, or rejected for good); state 'retry' counts attempts at an item whose link
-- could not be fetched, so a dead link is given up after a few polls.
CREATE TABLE monitor_items (
    source_id VARCHAR NOT NULL,
    item_key VARCHAR NOT NULL,
    doc_id VARCHAR,
    state VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source_id, item_key)
);

-- Small values of the monitor: the high-water mark of alerts written to the notification log.
CREATE TABLE monitor_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
