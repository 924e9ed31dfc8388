-- Social / OpenID Connect identities (SQLite and PostgreSQL): one row per (provider, subject),
-- each linked to one account, at most one identity per provider and account. Deleting the
-- account deletes its identities. `created_account` is 1 when the identity created the account
-- (whose password then is a random one nobody knows).
CREATE TABLE provider_accounts (
    provider_id     TEXT NOT NULL,
    subject         TEXT NOT NULL,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email           TEXT,
    created_account BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (provider_id, subject)
);
CREATE UNIQUE INDEX provider_accounts_account_uq ON provider_accounts (account_id, provider_id);
