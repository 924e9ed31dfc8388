-- Initial schema (SQLite and PostgreSQL). Timestamps are milliseconds since the Unix epoch; ids are random text.
CREATE TABLE directories (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL UNIQUE,
    password_policy TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    modified_at     BIGINT NOT NULL
);

CREATE TABLE applications (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL UNIQUE,
    directory_id TEXT NOT NULL REFERENCES directories (id),
    created_at   BIGINT NOT NULL,
    modified_at  BIGINT NOT NULL
);

CREATE TABLE accounts (
    id                        TEXT PRIMARY KEY NOT NULL,
    directory_id              TEXT NOT NULL REFERENCES directories (id),
    email                     TEXT NOT NULL,
    email_key                 TEXT NOT NULL,
    username                  TEXT NOT NULL,
    username_key              TEXT NOT NULL,
    given_name                TEXT,
    middle_name               TEXT,
    surname                   TEXT,
    status                    TEXT NOT NULL,
    email_verification_status TEXT,
    password_hash             TEXT NOT NULL,
    password_modified_at      BIGINT,
    tokens_valid_after        BIGINT NOT NULL DEFAULT 0,
    custom_data               TEXT NOT NULL DEFAULT '{}',
    custom_data_version       BIGINT NOT NULL DEFAULT 0,
    created_at                BIGINT NOT NULL,
    modified_at               BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_email_uq ON accounts (directory_id, email_key);
CREATE UNIQUE INDEX accounts_username_uq ON accounts (directory_id, username_key);

CREATE TABLE account_groups (
    id           TEXT PRIMARY KEY NOT NULL,
    directory_id TEXT NOT NULL REFERENCES directories (id),
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    description  TEXT,
    status       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    modified_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX groups_name_uq ON account_groups (directory_id, name_key);

CREATE TABLE group_memberships (
    id         TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    group_id   TEXT NOT NULL REFERENCES account_groups (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX group_memberships_uq ON group_memberships (account_id, group_id);
CREATE INDEX group_memberships_group ON group_memberships (group_id);

CREATE TABLE refresh_tokens (
    jti        TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked    BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_account ON refresh_tokens (account_id);

CREATE TABLE revoked_tokens (
    jti        TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);
