-- Schema version 2: stories (documents about one happening), their members, the clusterer's
-- incremental statistics, and the events merged across a story's articles.
-- Portable SQL: the same file runs on DuckDB and PostgreSQL.
CREATE TABLE stories (
    id VARCHAR PRIMARY KEY,
    title VARCHAR,
    first_seen DATE,
    last_seen DATE,
    n_documents INTEGER,
    n_sources INTEGER,
    n_events INTEGER,
    state JSON,
    card JSON,
    created_at TIMESTAMP,
    updated_at TIMESTAMP
);

CREATE INDEX stories_last_seen ON stories (last_seen);

CREATE TABLE story_documents (
    doc_id VARCHAR PRIMARY KEY,
    story_id VARCHAR NOT NULL,
    score DOUBLE PRECISION,
    new_story BOOLEAN,
    duplicate_of VARCHAR,
    duplicate_similarity DOUBLE PRECISION,
    source_name VARCHAR,
    day DATE,
    lang VARCHAR,
    fingerprint VARCHAR,
    signature VARCHAR,
    assigned_at TIMESTAMP
);

CREATE INDEX story_documents_story ON story_documents (story_id);

CREATE TABLE story_terms (
    term VARCHAR PRIMARY KEY,
    df INTEGER NOT NULL
);

CREATE TABLE story_languages (
    lang VARCHAR PRIMARY KEY,
    n_docs INTEGER NOT NULL
);

CREATE TABLE story_events (
    story_id VARCHAR NOT NULL,
    idx INTEGER NOT NULL,
    id VARCHAR,
    type VARCHAR,
    cameo VARCHAR,
    quad_class INTEGER,
    status VARCHAR,
    date VARCHAR,
    day DATE,
    actor_name VARCHAR,
    actor_country VARCHAR,
    actor_code VARCHAR,
    recipient_name VARCHAR,
    recipient_country VARCHAR,
    recipient_code VARCHAR,
    num_mentions INTEGER,
    num_articles INTEGER,
    num_sources INTEGER,
    n_disagreements INTEGER,
    first_seen DATE,
    payload JSON,
    PRIMARY KEY (story_id, idx)
);

CREATE INDEX story_events_dyad ON story_events (actor_country, recipient_country, day);
