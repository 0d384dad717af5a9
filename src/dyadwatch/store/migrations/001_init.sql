-- Schema version 1: documents, where they were seen, rejects, mentions, events, flags.
-- Portable SQL: the same file runs on DuckDB and PostgreSQL.
CREATE TABLE documents (
    id VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    url VARCHAR,
    title VARCHAR,
    subtitle VARCHAR,
    author VARCHAR,
    author_role VARCHAR,
    section VARCHAR,
    published DATE,
    published_source VARCHAR,
    dateline VARCHAR,
    language VARCHAR,
    source_name VARCHAR,
    format VARCHAR,
    text VARCHAR,
    quality DOUBLE PRECISION,
    n_events INTEGER,
    ref_date DATE,
    analysis JSON,
    ingested_at TIMESTAMP
);

CREATE TABLE document_sources (
    doc_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    url VARCHAR,
    source_name VARCHAR,
    seen_at TIMESTAMP,
    PRIMARY KEY (doc_id, source)
);

CREATE TABLE rejects (
    id VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    document_id VARCHAR,
    stage VARCHAR,
    reason VARCHAR,
    message VARCHAR,
    rejected_at TIMESTAMP
);

CREATE TABLE mentions (
    doc_id VARCHAR NOT NULL,
    idx INTEGER NOT NULL,
    text VARCHAR,
    field VARCHAR,
    sentence INTEGER,
    m_start INTEGER,
    m_end INTEGER,
    kind VARCHAR,
    name VARCHAR,
    country VARCHAR,
    sector VARCHAR,
    code VARCHAR,
    kb_id VARCHAR,
    role VARCHAR,
    confidence DOUBLE PRECISION,
    PRIMARY KEY (doc_id, idx)
);

CREATE TABLE events (
    id VARCHAR PRIMARY KEY,
    doc_id VARCHAR NOT NULL,
    idx INTEGER NOT NULL,
    type VARCHAR,
    mode VARCHAR,
    context VARCHAR,
    cameo VARCHAR,
    root VARCHAR,
    quad_class INTEGER,
    intensity DOUBLE PRECISION,
    status VARCHAR,
    confidence DOUBLE PRECISION,
    date VARCHAR,
    day DATE,
    date_precision VARCHAR,
    date_text VARCHAR,
    actor_text VARCHAR,
    actor_name VARCHAR,
    actor_country VARCHAR,
    actor_sector VARCHAR,
    actor_code VARCHAR,
    actor_kb_id VARCHAR,
    recipient_text VARCHAR,
    recipient_name VARCHAR,
    recipient_country VARCHAR,
    recipient_sector VARCHAR,
    recipient_code VARCHAR,
    recipient_kb_id VARCHAR,
    location_text VARCHAR,
    location_country VARCHAR,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    field VARCHAR,
    sentence INTEGER,
    ev_start INTEGER,
    ev_end INTEGER,
    evidence_text VARCHAR,
    n_mentions INTEGER,
    payload JSON
);

CREATE INDEX events_dyad ON events (actor_country, recipient_country, day);
CREATE INDEX events_doc ON events (doc_id);
CREATE INDEX events_day ON events (day);

CREATE TABLE flags (
    doc_id VARCHAR NOT NULL,
    idx INTEGER NOT NULL,
    kind VARCHAR,
    severity VARCHAR,
    field VARCHAR,
    f_start INTEGER,
    f_end INTEGER,
    text VARCHAR,
    detail VARCHAR,
    PRIMARY KEY (doc_id, idx)
);
