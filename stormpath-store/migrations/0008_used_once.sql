-- Keys that may be used once across every process sharing the database (SQLite and
-- PostgreSQL): SAuthc1 nonces of the REST server, and the like. `key_digest` is the SHA-256 of
-- the key; a row is forgotten once it expires.
CREATE TABLE used_once (
    key_digest TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX used_once_expires ON used_once (expires_at);
