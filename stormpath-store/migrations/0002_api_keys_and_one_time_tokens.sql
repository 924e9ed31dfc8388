-- API keys (secrets stored as SHA-256 digests) and one-time tokens (password reset, email
-- verification; stored as SHA-256 digests, single use).
CREATE TABLE api_keys (
    row_id      TEXT PRIMARY KEY NOT NULL,
    key_id      TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    name        TEXT,
    status      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX api_keys_key ON api_keys (key_id);
CREATE INDEX api_keys_account ON api_keys (account_id);

CREATE TABLE one_time_tokens (
    digest     TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX one_time_tokens_account ON one_time_tokens (account_id, purpose);
