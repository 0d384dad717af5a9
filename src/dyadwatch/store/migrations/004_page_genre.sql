-- Schema version 4: what each document is (clean.pagekind: article | links | table | gallery |
-- search) and what kind of writing (clean.genre: report | opinion | analysis | interview |
-- fact-check | press-release | live-blog | listing) and what about (clean.topic). Dyad statistics
-- can leave genres out.
-- Portable SQL: the same file runs on DuckDB and PostgreSQL. Documents stored before this
-- version keep NULL (unknown).
ALTER TABLE documents ADD COLUMN page_kind VARCHAR;
ALTER TABLE documents ADD COLUMN genre VARCHAR;
ALTER TABLE documents ADD COLUMN topic VARCHAR;
