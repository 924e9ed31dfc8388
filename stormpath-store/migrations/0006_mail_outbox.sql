-- The mail outbox: every email the store sends (reset and verification links, notices) is a
-- row written in the transaction of the token it carries, and a background sender per store
-- delivers it (claiming rows, retrying with backoff), so that no request talks to the mail
-- server and an outage loses nothing. Delivered rows keep no body (the bodies carry tokens):
-- only their address key and time stay, for the per-address caps, until they are pruned.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    -- SHA-256 of the canonical address: what the caps count by (unknown addresses too).
    address_key     TEXT NOT NULL,
    -- reset | verify | notice
    kind            TEXT NOT NULL,
    -- queued | sent | failed | dropped (a request for an address that gets no mail)
    state           TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    -- The sender that holds the row, and until when (a sender that dies lets it go).
    claimed_by      TEXT,
    claimed_until   BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);
CREATE INDEX mail_outbox_cap ON mail_outbox (address_key, kind, created_at);
