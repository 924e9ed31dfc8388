-- The tenant model of the Stormpath REST API (served by stormpath-server; the embedded store
-- uses the same tables): one tenant per database, applications mapped to directories through
-- account store mappings (replacing applications.directory_id), descriptions, statuses,
-- policies and custom data on every resource, issued tokens kept with their JWT, and API-key
-- secrets sealed for the server that must return them.
CREATE TABLE tenants (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    tenant_key  TEXT NOT NULL UNIQUE,
    custom_data TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    modified_at BIGINT NOT NULL
);

CREATE TABLE applications_v3 (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL UNIQUE,
    description  TEXT,
    status       TEXT NOT NULL DEFAULT 'ENABLED',
    -- {"accessTokenTtl": seconds, "refreshTokenTtl": seconds}; empty = the defaults.
    oauth_policy TEXT NOT NULL DEFAULT '{}',
    custom_data  TEXT NOT NULL DEFAULT '{}',
    created_at   BIGINT NOT NULL,
    modified_at  BIGINT NOT NULL
);
INSERT INTO applications_v3 (id, name, created_at, modified_at)
    SELECT id, name, created_at, modified_at FROM applications;
CREATE TABLE mapping_seed AS SELECT id AS application_id, directory_id, created_at FROM applications;
DROP TABLE applications;
ALTER TABLE applications_v3 RENAME TO applications;

CREATE TABLE account_store_mappings (
    id                       TEXT PRIMARY KEY NOT NULL,
    application_id           TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    directory_id             TEXT NOT NULL REFERENCES directories (id) ON DELETE CASCADE,
    list_index               BIGINT NOT NULL,
    is_default_account_store BIGINT NOT NULL DEFAULT 0,
    is_default_group_store   BIGINT NOT NULL DEFAULT 0,
    created_at               BIGINT NOT NULL,
    modified_at              BIGINT NOT NULL
);
CREATE UNIQUE INDEX account_store_mappings_uq ON account_store_mappings (application_id, directory_id);
CREATE INDEX account_store_mappings_directory ON account_store_mappings (directory_id);
INSERT INTO account_store_mappings (id, application_id, directory_id, list_index,
        is_default_account_store, is_default_group_store, created_at, modified_at)
    SELECT application_id, application_id, directory_id, 0, 1, 1, created_at, created_at
    FROM mapping_seed;
DROP TABLE mapping_seed;

ALTER TABLE directories ADD COLUMN description TEXT;
ALTER TABLE directories ADD COLUMN status TEXT NOT NULL DEFAULT 'ENABLED';
-- {"passwordPolicy": {...}, "accountCreationPolicy": {...}}; empty = the defaults.
ALTER TABLE directories ADD COLUMN policies TEXT NOT NULL DEFAULT '{}';
ALTER TABLE directories ADD COLUMN custom_data TEXT NOT NULL DEFAULT '{}';

ALTER TABLE account_groups ADD COLUMN custom_data TEXT NOT NULL DEFAULT '{}';

-- The server returns an API key's secret on request (the SDKs validate tokens with it): it is
-- kept sealed (AES-256-GCM under the server's key) beside the digest used to authenticate.
ALTER TABLE api_keys ADD COLUMN secret_sealed TEXT;
ALTER TABLE api_keys ADD COLUMN description TEXT;

-- Tokens the server issued, with their JWT (the /accessTokens and /refreshTokens resources).
CREATE TABLE oauth_tokens (
    jti            TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    jwt            TEXT NOT NULL,
    expires_at     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id, kind);
