-- Tokens minted by the client-credentials grant die with their API key: deleting a key (or
-- every key, after a password reset or change) voids the account's client-credentials tokens
-- issued until then (`iat` in seconds, compared with `>`), without ending its other sessions.
ALTER TABLE accounts ADD COLUMN key_tokens_valid_after BIGINT NOT NULL DEFAULT 0;
-- A key is looked up by its id and its secret's digest together: no account can shadow
-- another's key, however many keys share its id.
CREATE INDEX api_keys_key_secret ON api_keys (key_id, secret_hash);
-- Sessions: a refresh token belongs to a family (the session: the first refresh token of a
-- password login), remembers when the password was entered and when it was last used, and,
-- with rotation on, when it was replaced (a replaced token presented again revokes its family).
ALTER TABLE refresh_tokens ADD COLUMN family TEXT;
ALTER TABLE refresh_tokens ADD COLUMN auth_time BIGINT NOT NULL DEFAULT 0;
ALTER TABLE refresh_tokens ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE refresh_tokens ADD COLUMN rotated_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
