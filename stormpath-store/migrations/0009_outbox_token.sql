-- The digest of the one-time token a queued link mail carries (NULL for notices): a mail whose
-- token was used, voided by a newer one, or has expired while it waited is never sent (state
-- `void`, body wiped), so a link that can no longer work does not go out and its raw token
-- leaves the database at once.
ALTER TABLE mail_outbox ADD COLUMN token_digest TEXT;
